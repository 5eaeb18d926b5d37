"""Response headers every page and API answer carries beyond Django's own."""

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
