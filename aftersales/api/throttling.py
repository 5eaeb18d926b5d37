"""Throttles keyed by the trusted client address, failing open when the cache is down."""

import logging

from rest_framework.throttling import ScopedRateThrottle

from aftersales.http import client_ip

logger = logging.getLogger(__name__)


class ClientAddressMixin:
    """DRF's own ``get_ident`` trusts ``X-Forwarded-For`` unless ``NUM_PROXIES`` is set
    (a forged header made every try a new client); ours is ``aftersales.http.client_ip``,
    the address the lockouts and the audit trail use too."""

    def get_ident(self, request):
        return client_ip(request) or ""


class FailOpenMixin:
    """The counters live in the cache (Redis). A rate limit is a courtesy on top of the
    lockout, which lives in the database: when the cache is down, let the request through
    (logged) rather than answer a 500 — signing in must not depend on Redis."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.warning("Throttle cache unavailable; %s lets the request through", self)
            return True


class SignInRateThrottle(FailOpenMixin, ClientAddressMixin, ScopedRateThrottle):
    """``AUTH_THROTTLE_RATE`` sign-in attempts per client address on the token endpoint."""
