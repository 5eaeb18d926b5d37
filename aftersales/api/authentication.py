"""The API's authentication: sign-in tokens read with their roles in one query, and
session authentication that refuses a session still owing its second factor."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from aftersales.roles import remember_roles, with_role_names
from aftersales.signin.second_factor import second_factor_pending


class SignInTokenAuthentication(TokenAuthentication):
    """DRF's ``Authorization: Token <key>`` (a person's sign-in token), with the token,
    its user and the user's roles read in one query instead of two: every API call paid
    for the roles lookup separately. Nothing is cached across requests, so a revoked
    token, a deactivated user or a removed role takes effect on the next call. The
    schema names it ``tokenAuth`` as before (drf-spectacular matches subclasses)."""

    def authenticate_credentials(self, key):
        tokens = with_role_names(self.get_model().objects.select_related("user"))
        try:
            token = tokens.get(key=key)
        except self.get_model().DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        remember_roles(token.user, token)
        return token.user, token


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
