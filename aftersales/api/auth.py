"""``POST /api/v1/auth/token/``: username + password → token; throttled per client.

Every sign-in is audited: a success here, a failure through ``authenticate()``'s
``user_login_failed`` signal (audits.receivers).
"""

from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from audits.services import audit_record


class TokenObtainView(ObtainAuthToken):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"
    # ObtainAuthToken names DRF's parsers; ours refuse oversize and deeply nested JSON.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    @extend_schema(responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}))
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        with transaction.atomic():
            token, _ = Token.objects.get_or_create(user=user)
            audit_record(actor=user, action="auth.signed_in", obj=user, changes={"via": "token"})
        return Response({"token": token.key})
