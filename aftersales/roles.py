"""Roles are Django groups named after these codes (api-contract.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Call-centre agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    TECHNICIAN = "technician", _("Technician")
    AUDITOR = "auditor", _("Auditor")
    INTEGRATOR = "integrator", _("Integrator")


DESK_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR})


def roles_of(user):
    """The user's role codes, cached on the user object for the rest of the request."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_aftersales_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._aftersales_roles = cached
    return cached


def has_role(user, *roles):
    return bool(user is not None and (user.is_superuser or roles_of(user) & set(roles)))
