from rest_framework import serializers

from ..models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    actor_username = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_username",
            "action",
            "object_type",
            "object_id",
            "ticket",
            "changes",
            "source",
            "request_id",
            "ip_address",
            "seal_seq",
            "hash",
        ]
        read_only_fields = fields
