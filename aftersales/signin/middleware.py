"""Sends a signed-in user who still owes their second factor to enrol or verify it."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from .second_factor import has_device, second_factor_pending

# Pages a half-signed-in user may still open: the second-factor pages themselves, signing
# in as someone else, signing out and switching the language.
OPEN_URL_NAMES = frozenset(
    {"login", "logout", "second-factor-verify", "second-factor-enrol", "set_language"}
)


class SecondFactorMiddleware:
    """After ``OTPMiddleware``: until the session is verified, every page (the admin's
    included) redirects to the verification page, or to enrolment for a user who must have
    a second factor and has none yet. The API is left to its authentication classes: an
    unverified session is not accepted there (``aftersales.api.authentication``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if request.path_info.startswith("/api/") or (match and match.url_name in OPEN_URL_NAMES):
            return None
        if not second_factor_pending(request):
            return None
        name = "second-factor-verify" if has_device(request.user) else "second-factor-enrol"
        return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
