"""``POST /api/v1/auth/token/``: username + password (+ ``otp``) → token.

Throttled per client address (``SignInRateThrottle``) and locked out by account and by
address after repeated failures (django-axes, through ``authenticate()`` given the
request: a locked account answers 429 ``locked_out``). A user who must use a second factor
(supervisors, staff) sends the current code of their authenticator, or a backup code, as
``otp``; one who has not enrolled yet does so on the web first. Every sign-in is audited:
a success here, a failure through ``authenticate()``'s ``user_login_failed`` signal
(audits.receivers).
"""

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from aftersales.roles import second_factor_required
from aftersales.signin.second_factor import has_device, second_factor_verify
from audits.services import audit_record

from .throttling import SignInRateThrottle


class TokenObtainInputSerializer(serializers.Serializer):
    username = serializers.CharField(write_only=True)
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )
    otp = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text=_("Current authenticator code or a backup code; required for supervisors."),
    )


class TokenObtainView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [SignInRateThrottle]
    throttle_scope = "auth"
    # ObtainAuthToken names DRF's parsers; ours refuse oversize and deeply nested JSON.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    @extend_schema(
        request=TokenObtainInputSerializer,
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request, *args, **kwargs):
        data = TokenObtainInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request, not DRF's wrapper: axes marks a lockout on it, where its
        # middleware turns it into the 429.
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None:
            raise ValidationError(
                {"non_field_errors": [_("Unable to log in with provided credentials.")]},
                code="authorization",
            )
        if second_factor_required(user) or has_device(user):
            self._check_second_factor(request, user, data.validated_data.get("otp", ""))
        with transaction.atomic():
            token, _created = Token.objects.get_or_create(user=user)
            audit_record(actor=user, action="auth.signed_in", obj=user, changes={"via": "token"})
        return Response({"token": token.key})

    def _check_second_factor(self, request, user, code):
        if not has_device(user):
            raise ValidationError(
                {"otp": [_("Set up two-factor sign-in on the web first (sign in at /login/).")]},
                code="second_factor_not_enrolled",
            )
        if not code:
            raise ValidationError(
                {"otp": [_("Your role signs in with a one-time code: send it as otp.")]},
                code="second_factor_required",
            )
        if second_factor_verify(user=user, code=code, request=request._request) is None:
            raise ValidationError(
                {"otp": [_("This code is not valid. Try the current one.")]},
                code="second_factor_invalid",
            )
