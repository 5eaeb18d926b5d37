from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from aftersales.api.serializers import StrictFieldsMixin

from ..models import IntegratorToken, TokenStatus


class IntegratorTokenSerializer(serializers.ModelSerializer):
    """A token as people may see it: never the secret, only its prefix."""

    username = serializers.CharField(source="user.username", read_only=True)
    prefix = serializers.CharField(
        source="display_prefix",
        read_only=True,
        help_text=_("The first characters of the key, to recognise it."),
    )
    status = serializers.ChoiceField(choices=TokenStatus.choices, read_only=True)

    class Meta:
        model = IntegratorToken
        fields = [
            "id",
            "user",
            "username",
            "name",
            "prefix",
            "status",
            "created_at",
            "created_by",
            "expires_at",
            "last_used_at",
            "rotated_at",
            "revoked_at",
            "revoked_by",
        ]
        read_only_fields = fields


class IntegratorTokenIssuedSerializer(IntegratorTokenSerializer):
    """The answer to a create or a rotation: the record and, this once, the whole key."""

    token = serializers.CharField(
        read_only=True,
        help_text=_("The key, shown only in this answer: send it as Authorization: Token <key>."),
    )

    class Meta(IntegratorTokenSerializer.Meta):
        fields = [*IntegratorTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class IntegratorTokenCreateInputSerializer(StrictFieldsMixin, serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        help_text=_("The integrator account the token signs in as."),
    )
    name = serializers.CharField(max_length=80, help_text=_("e.g. the shop or system using it"))
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text=_("Optional; must be in the future.")
    )


class IntegratorTokenRotateInputSerializer(StrictFieldsMixin, serializers.Serializer):
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text=_("A new expiry (null: none); left out, the token keeps its own."),
    )
