"""Session authentication that refuses a session still owing its second factor."""

from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication

from aftersales.signin.second_factor import second_factor_pending


class VerifiedSessionAuthentication(SessionAuthentication):
    """A supervisor who typed their password but not yet their code has a session; the
    pages send them to the verification step (``aftersales.signin.middleware``), and the
    API treats that session as no sign-in at all (401), so the second factor cannot be
    skipped by calling the API from the browser. Token clients are unaffected."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        if second_factor_pending(request._request):
            return None
        return result


class VerifiedSessionScheme(SessionScheme):
    """The OpenAPI schema describes it as the session cookie it is."""

    target_class = "aftersales.api.authentication.VerifiedSessionAuthentication"
