"""The API's throttles per token and per user (``DEFAULT_THROTTLE_CLASSES``).

Counters live in the cache (Redis), fail open when it is down, and a refusal answers 429
with ``Retry-After`` (DRF's ``Throttled``). Rates come from ``DEFAULT_THROTTLE_RATES``
(``API_TOKEN_THROTTLE_RATE``, ``API_USER_THROTTLE_RATE``); a rate of ``None`` switches
its counter off (the test and bench settings do).
"""

import logging

from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from .models import IntegratorToken

logger = logging.getLogger(__name__)


class _Counter(SimpleRateThrottle):
    """One sliding-window counter, read and written in two steps (``load`` then
    ``record``) so that ``ApiRateThrottle`` counts a request only once every counter has
    room for it. DRF binds ``THROTTLE_RATES`` when the class is defined; the rate is read
    at each request instead, so a changed setting applies and a missing one means none."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def load(self, request, view):
        """Whether this counter applies to ``request`` (it has a rate and a key)."""
        if self.rate is None:
            return False
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return False
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return True

    def has_room(self):
        return len(self.history) < self.num_requests

    def record(self):
        self.throttle_success()


class TokenRateThrottle(_Counter):
    """``token`` rate per token: each integrator token on its own counter (one runaway
    integration does not use up the integrator's others), a person's sign-in token on
    theirs. Sessions have no token counter."""

    scope = "token"

    def get_cache_key(self, request, view):
        auth = request.auth
        if isinstance(auth, IntegratorToken):
            ident = f"integrator-{auth.pk}"
        elif isinstance(auth, Token):
            ident = f"signin-{auth.user_id}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class UserRateThrottle(_Counter):
    """``user`` rate per signed-in user, whatever the way in: all of an integrator's
    tokens together, a person's token and browser session together."""

    scope = "user"

    def get_cache_key(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}


class ApiRateThrottle(BaseThrottle):
    """Per token and per user at once. A request one counter refuses is counted by none
    (DRF's separate throttles would still charge the user's budget for a request the
    token's refused). When the cache is down the request goes through, logged: a rate
    limit is a courtesy, not a reason for a 500."""

    counters = (TokenRateThrottle, UserRateThrottle)

    def allow_request(self, request, view):
        self._wait = None
        try:
            applying = [c for c in (cls() for cls in self.counters) if c.load(request, view)]
            full = [c for c in applying if not c.has_room()]
            if full:
                self._wait = max(c.wait() or 0 for c in full)
                return False
            for counter in applying:
                counter.record()
        except Exception:
            logger.warning("Throttle cache unavailable; the request goes through")
        return True

    def wait(self):
        return self._wait
