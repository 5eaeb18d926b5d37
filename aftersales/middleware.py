"""Response headers every page and API answer carries beyond Django's own, and the session
middleware that tells a person's activity from a page refreshing itself."""

import datetime

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers


class NoStoreMiddleware:
    """``Cache-Control: no-store, private`` on every API response and every page shown to a
    signed-in user: tickets carry customers' personal data, which no browser or proxy
    cache may keep (the back button after signing out must not show it either)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path_info.startswith("/api/") or getattr(user, "is_authenticated", False):
            patch_cache_control(response, no_store=True, private=True)
        return response


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, except that a page refreshing itself in the background
    (htmx polling, which sends ``X-Background-Refresh``) is not activity: such a request
    leaves the idle session's expiry where it was, so a desk PC left open on a list that
    polls every 30 seconds still signs out after SESSION_IDLE_MINUTES. A request that
    changes the session is saved as usual.

    Sliding the expiry is a write (an UPDATE and a commit) on every page view otherwise:
    an unchanged session whose stored expiry is less than ``SESSION_SLIDE_SECONDS`` (60)
    behind where this request would move it is left as it is, so a session ends between
    SESSION_IDLE_MINUTES minus a minute and SESSION_IDLE_MINUTES after the last activity."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None and not session.modified:
            if self.is_background(request):
                return response
            if self.recently_slid(session):
                if session.accessed:
                    patch_vary_headers(response, ("Cookie",))
                return response
        return super().process_response(request, response)

    @staticmethod
    def recently_slid(session):
        loaded = getattr(session, "loaded_expiry", None)
        if loaded is None or session.get("_session_expiry") is not None:
            return False
        target = timezone.now() + datetime.timedelta(seconds=session.get_expiry_age())
        return loaded >= target - datetime.timedelta(seconds=settings.SESSION_SLIDE_SECONDS)

    @staticmethod
    def is_background(request):
        return request.headers.get("X-Background-Refresh") == "1"
