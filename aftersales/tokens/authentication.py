"""``Authorization: Token aft_…``: an integrator token, looked up by its prefix.

Ordered before DRF's ``TokenAuthentication`` in ``REST_FRAMEWORK``; a key that is not an
integrator key (a person's sign-in token: 40 hex digits) is left to it, so those keep
working as before.
"""

import hmac

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from aftersales.roles import Role, remember_roles, roles_of, second_factor_required, with_role_names

from .models import IntegratorToken, token_digest
from .services import integrator_token_mark_used, parse_key

# Compared against when no token has the prefix, so an unknown prefix costs a compare too.
_NO_DIGEST = "0" * 64


class IntegratorTokenAuthentication(BaseAuthentication):
    """One indexed read by prefix (the user joined), a constant-time compare of the
    SHA-256 digests, then the token's and the user's state; ``last_used_at`` is written at
    most once a minute. ``request.auth`` is the ``IntegratorToken`` (the throttles key on
    it)."""

    keyword = "token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != self.keyword.encode():
            return None
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            return None
        prefix = parse_key(key)
        if prefix is None:
            return None  # not ours: a person's token, for DRF's TokenAuthentication
        try:
            # get(), not first(): no ORDER BY for the planner on a unique-index lookup.
            # The user's roles ride along (one query, not two).
            token = with_role_names(IntegratorToken.objects.select_related("user")).get(
                prefix=prefix
            )
        except IntegratorToken.DoesNotExist:
            token = None
        expected = token.digest if token is not None else _NO_DIGEST
        if not hmac.compare_digest(expected, token_digest(key)) or token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired."))
        user = token.user
        remember_roles(user, token)
        if (
            not user.is_active
            or Role.INTEGRATOR not in roles_of(user)
            or second_factor_required(user)
        ):
            raise exceptions.AuthenticationFailed(_("This token's account may not use the API."))
        integrator_token_mark_used(token=token, now=now)
        return user, token

    def authenticate_header(self, request):
        return "Token"


class IntegratorTokenScheme(OpenApiAuthenticationExtension):
    """The schema names it beside DRF's ``tokenAuth``: the same header, another key."""

    target_class = "aftersales.tokens.authentication.IntegratorTokenAuthentication"
    name = "integratorTokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _(
                "An integrator token issued by a supervisor: "
                "`Authorization: Token aft_…` (README, “Integrator tokens and throttling”)."
            ),
        }
