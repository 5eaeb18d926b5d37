"""Roles are Django groups named after these codes (api-contract.md)."""

from django.apps import apps
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections, models
from django.db.models import OuterRef
from django.utils.translation import gettext_lazy as _

from .exceptions import ActionForbidden


class Role(models.TextChoices):
    AGENT = "agent", _("Call-centre agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    TECHNICIAN = "technician", _("Technician")
    AUDITOR = "auditor", _("Auditor")
    INTEGRATOR = "integrator", _("Integrator")
    # A partner's or an outlet's dispatcher: sees and assigns only their outlets' tickets.
    OUTLET_DISPATCHER = "outlet_dispatcher", _("Outlet dispatcher")
    # Steps of the expense approval chain and the money side (tickets.costs,
    # tickets.settlement): finance checks, the general manager approves major spending.
    FINANCE = "finance", _("Finance")
    MANAGER = "manager", _("General manager")
    # Issue 18: the experts behind the desk (技术支持) answer the questions it cannot, and the
    # workshop (返修) repairs the units taken in.
    TECH_SUPPORT = "tech_support", _("Technical support")
    WORKSHOP = "workshop", _("Workshop technician")


DESK_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR})
# Who may record a request (and register its customer and unit): the desk and integrators.
INTAKE_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.INTEGRATOR})
# Who may download whole lists as files (README, "Bulk import and export"): supervisors,
# and auditors with personal data masked; nobody else needs a million rows at once.
EXPORT_ROLES = frozenset({Role.SUPERVISOR, Role.AUDITOR})


def roles_of(user):
    """The user's role codes, cached on the user object for the rest of the request."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_aftersales_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._aftersales_roles = cached
    return cached


def with_role_names(queryset, user_field="user_id"):
    """Annotate ``role_names`` (the user's role codes) on a queryset of rows that point at
    a user, so authentication reads the credential, its user and the roles in one query
    (``remember_roles`` then spares ``roles_of`` its own). PostgreSQL only (an array
    subquery); elsewhere the queryset is returned as it is and ``roles_of`` queries."""
    if connections[queryset.db].vendor != "postgresql":
        return queryset
    groups = apps.get_model("auth", "Group").objects
    return queryset.annotate(
        role_names=ArraySubquery(groups.filter(user=OuterRef(user_field)).order_by().values("name"))
    )


def remember_roles(user, row):
    """Keep the roles ``with_role_names`` read with ``row`` on ``user`` for the request."""
    names = getattr(row, "role_names", None)
    if names is not None:
        user._aftersales_roles = frozenset(names)


def has_role(user, *roles):
    return bool(user is not None and (user.is_superuser or roles_of(user) & set(roles)))


def second_factor_required(user):
    """Whether ``user`` must confirm each sign-in with a one-time code (TOTP): everyone who
    can reach the admin (staff, superusers) and supervisors. Others may enrol a device, and
    once they have, it is asked for too (``aftersales.signin``)."""
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_staff or user.is_superuser or Role.SUPERVISOR in roles_of(user))
    )


def role_require(actor, *roles, message=None):
    """The one role check of every app's services: raise ``ActionForbidden`` (403) unless
    ``actor`` has one of ``roles``. ``actor=None`` is the system (workers, commands,
    migrations) and passes; so does a superuser."""
    if actor is not None and not has_role(actor, *roles):
        raise ActionForbidden(message or _("Your role may not do this."))


def acting_user(actor):
    """The user to store as the one who acted: ``None`` for the system or an anonymous
    caller (a customer's signature link, a worker)."""
    return actor if getattr(actor, "is_authenticated", False) else None


# What a supervisor (is_staff) may do in the admin, as Django model permissions: read the
# records of the four apps, and keep the reference data a service centre edits by hand.
# Everything with rules of its own (tickets, stock levels and movements, the audit trail)
# stays read-only there; users and groups stay with the superuser.
SUPERVISOR_ADMIN_VIEW_APPS = (
    "tickets",
    "technicians",
    "parts",
    "audits",
    "platform",
    "charges",
    "warranty",
    "settlement",
    "costs",
    "outlets",
    "targets",
    "depot",
)
SUPERVISOR_ADMIN_EDIT = {
    # Sign-in lockouts (django-axes): a supervisor may see who is locked out and unlock
    # them by deleting the attempts (README, "Sign-in and sessions").
    "axes.accessattempt": ("view", "delete"),
    "tickets.area": ("add", "change"),
    "tickets.productcategory": ("add", "change"),
    "tickets.productmodel": ("add", "change"),
    "tickets.slapolicy": ("add", "change"),
    "tickets.workingcalendar": ("add", "change"),
    "tickets.workinghours": ("add", "change", "delete"),
    "tickets.calendarexception": ("add", "change", "delete"),
    "technicians.technician": ("change",),
    "technicians.certificationtype": ("add", "change"),
    "technicians.certification": ("add", "change"),
    "technicians.trainingrecord": ("add", "change"),
    "technicians.absence": ("add", "change", "delete"),
    "parts.part": ("add", "change"),
    "parts.stocklocation": ("add", "change"),
    "parts.stockcount": ("add", "change"),
    "warranty.warrantypartgroup": ("add", "change"),
    "warranty.warrantyterm": ("add", "change", "delete"),
}


def grant_supervisor_admin_permissions(sender=None, **kwargs):
    """post_migrate: give the ``supervisor`` group exactly the admin permissions above.

    Idempotent, and it also removes what is no longer listed (least privilege), so the
    table here is the truth after every ``migrate``. Django sends post_migrate once per
    installed app; this runs on the last one's, when every app's permissions exist (once
    per migrate or test flush, not seventeen times).
    """
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    if sender is not None:
        with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
        if with_models and sender.label != with_models[-1].label:
            return

    group, _created = Group.objects.get_or_create(name=Role.SUPERVISOR)
    wanted = Permission.objects.filter(
        content_type__app_label__in=SUPERVISOR_ADMIN_VIEW_APPS, codename__startswith="view_"
    )
    ids = set(wanted.values_list("id", flat=True))
    for label, actions in SUPERVISOR_ADMIN_EDIT.items():
        app_label, model = label.split(".")
        ids |= set(
            Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=[f"{action}_{model}" for action in actions],
            ).values_list("id", flat=True)
        )
    group.permissions.set(ids)
