from .models import AuditEvent


def audit_event_list():
    return AuditEvent.objects.select_related("actor")
