from rest_framework import serializers

from ..models import AuditEvent
from ..selectors import audit_event_changes


class AuditEventSerializer(serializers.ModelSerializer):
    """One event; ``changes`` decrypted for desk roles (the read recorded as
    ``customer.pii_read``), masked for the others, ``<erased>`` once the subject's key
    is shredded (``audits.selectors.audit_event_changes``)."""

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

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        data["changes"] = audit_event_changes(
            event=instance,
            user=getattr(request, "user", None),
            keys=self.context.get("personal_keys"),
        )
        return data
