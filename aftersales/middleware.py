"""Response headers every page and API answer carries beyond Django's own, and the session
middleware that tells a person's activity from a page refreshing itself."""

from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.utils.cache import patch_cache_control


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
    changes the session is saved as usual."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None and not session.modified and self.is_background(request):
            return response
        return super().process_response(request, response)

    @staticmethod
    def is_background(request):
        return request.headers.get("X-Background-Refresh") == "1"
