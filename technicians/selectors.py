"""Reads of the technicians app."""

from aftersales.roles import Role, has_role

from .models import Technician


def technician_list(*, user):
    """Desk and audit roles see every technician; a technician sees only themself."""
    queryset = Technician.objects.select_related("user").prefetch_related("areas")
    if has_role(user, Role.AGENT, Role.SUPERVISOR, Role.AUDITOR):
        return queryset
    return queryset.filter(user=user)
