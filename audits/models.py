"""The audit trail: one append-only row per change, written by the services."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import AuditSource


class AuditEventQuerySet(models.QuerySet):
    def for_object(self, object_type, object_id):
        return self.filter(object_type=object_type, object_id=str(object_id))

    def update(self, **kwargs):
        raise TypeError("Audit events are append-only.")

    def delete(self):
        raise TypeError("Audit events are append-only.")


class AuditEvent(models.Model):
    """Who did what to which record, when, from where, with the values before and after.

    Written only through ``audits.services.audit_record`` in the same transaction as the
    change it describes. Rows are never updated or deleted. ``ticket`` links events about
    other objects (parts, technicians) to the ticket they concern, so they show on its
    timeline. Codes and raw values only; never translated labels.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changes = models.JSONField(default=dict, blank=True)
    source = models.CharField(
        max_length=16, choices=AuditSource.choices, default=AuditSource.SYSTEM
    )
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(
                fields=["object_type", "object_id", "created_at"], name="audit_object_time"
            ),
            models.Index(fields=["action", "created_at"], name="audit_action_time"),
            models.Index(fields=["created_at"], name="audit_time"),
        ]

    def __str__(self):
        return f"{self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only.")
