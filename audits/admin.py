"""Admin adapter: the trail and the quality records are read-only here (append-only
trail; quality audits change through their services, which check roles and record)."""

import json

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from aftersales.admin import ReadOnlyAdmin
from aftersales.roles import Role

from .models import AuditEvent, AuditSample, CorrectiveAction, Finding, KpiReport, QualityAudit
from .selectors import audit_event_changes
from .services import audit_record, field_values


def _values(obj):
    return field_values(obj)


def _m2m_values(obj, names):
    return {name: sorted(getattr(obj, name).values_list("pk", flat=True)) for name in names}


class AuditedAdminMixin:
    """Records every admin create, update and delete as an ``AuditEvent`` with the field
    values before and after (many-to-many fields included, secrets redacted).

    Applied to every registered ModelAdmin by ``audits.apps`` at start-up, so admin
    classes of any app are covered without opting in. A ModelAdmin whose saves go
    through a service that records its own event sets ``audited_by_service = True``.
    """

    audited_by_service = False

    def _audit_m2m_names(self, form):
        return [
            f.name
            for f in self.model._meta.many_to_many
            if form is not None and f.name in form.fields
        ]

    def save_model(self, request, obj, form, change):
        if self.audited_by_service:
            return super().save_model(request, obj, form, change)
        before = {}
        if change and obj.pk is not None:
            current = type(obj)._default_manager.filter(pk=obj.pk).first()
            if current is not None:
                before = _values(current)
                before.update(_m2m_values(current, self._audit_m2m_names(form)))
        super().save_model(request, obj, form, change)
        request._audit_admin_pending = (obj, change, before)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        pending = getattr(request, "_audit_admin_pending", None)
        if pending is None or pending[0] is not form.instance:
            return
        del request._audit_admin_pending
        obj, change, before = pending
        after = _values(obj)
        after.update(_m2m_values(obj, self._audit_m2m_names(form)))
        if change:
            changes = {
                name: [before.get(name), value]
                for name, value in after.items()
                if before.get(name) != value
            }
            if not changes:
                return
        else:
            changes = {
                name: [None, value] for name, value in after.items() if value not in (None, "", [])
            }
        self._audit(request, obj, "admin.updated" if change else "admin.created", changes)

    def delete_model(self, request, obj):
        if self.audited_by_service:
            return super().delete_model(request, obj)
        with transaction.atomic():
            self._audit(
                request, obj, "admin.deleted", {k: [v, None] for k, v in _values(obj).items()}
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        if self.audited_by_service:
            return super().delete_queryset(request, queryset)
        with transaction.atomic():
            for obj in queryset:
                self._audit(
                    request, obj, "admin.deleted", {k: [v, None] for k, v in _values(obj).items()}
                )
            super().delete_queryset(request, queryset)

    def _audit(self, request, obj, action, changes):
        with transaction.atomic():
            audit_record(actor=request.user, action=action, obj=obj, changes=changes)


def audit_admin_site(site):
    """Mix ``AuditedAdminMixin`` into every ModelAdmin registered on ``site`` (idempotent)."""
    for model, model_admin in list(site._registry.items()):
        cls = type(model_admin)
        if isinstance(model_admin, (AuditedAdminMixin, ReadOnlyAdmin)):
            continue
        # The mixin comes first in the MRO, so its ``audited_by_service = False`` would
        # shadow the admin's own flag: carry the admin's value onto the new class.
        audited = type(
            f"Audited{cls.__name__}",
            (AuditedAdminMixin, cls),
            {
                "__module__": cls.__module__,
                "audited_by_service": getattr(cls, "audited_by_service", False),
            },
        )
        site._registry[model] = audited(model, site)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only everywhere: the trail is append-only. Filter by object, actor, action, time."""

    list_display = ["created_at", "action", "object_type", "object_id", "actor", "source"]
    list_filter = ["source", "seal_flag", "action", "object_type"]
    search_fields = ["=object_id", "action", "=request_id", "=actor__username"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    # ``changes`` is shown through the personal-data rule (README, "Personal data"):
    # decrypted for desk roles and superusers, masked for the others.
    exclude = ["changes"]
    readonly_fields = ["changes_shown"]

    def get_object(self, request, object_id, from_field=None):
        event = super().get_object(request, object_id, from_field)
        if event is not None:
            event.reader = request.user
        return event

    @admin.display(description=_("changes"))
    def changes_shown(self, event):
        changes = audit_event_changes(event=event, user=getattr(event, "reader", None))
        return json.dumps(changes, ensure_ascii=False, sort_keys=True, indent=1)


class AuditSampleInline(admin.TabularInline):
    model = AuditSample
    extra = 0
    can_delete = False
    fields = ["ticket", "technician", "prefilled", "checks", "confirmed_by", "confirmed_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(QualityAudit)
class QualityAuditAdmin(ReadOnlyAdmin):
    list_display = ["title", "period_start", "period_end", "sample_percent", "status", "created_by"]
    list_filter = ["status"]
    inlines = [AuditSampleInline]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["audit", "severity", "status", "created_by", "created_at"]
    list_filter = ["severity", "status"]


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(ReadOnlyAdmin):
    list_display = ["finding", "owner", "due_on", "status", "escalation_level", "verified_by"]
    list_filter = ["status", "escalation_level"]


@admin.register(KpiReport)
class KpiReportAdmin(ReadOnlyAdmin):
    list_display = ["period_start", "period_end", "group_by", "weekly", "generated_at"]
    list_filter = ["group_by", "weekly"]


# --- Users and groups, in the reader's language ---------------------------------------------
# Django stores permission names in English ("Can add ticket", written at migrate time) and
# our groups are named by role code ("supervisor"): the admin shows both in words instead.
PERMISSION_ACTIONS = {
    "add": _("Can add"),
    "change": _("Can change"),
    "delete": _("Can delete"),
    "view": _("Can view"),
}


def permission_label(permission):
    """ "工单 | 工单 | 可查看": the app, the model and the action, translated (a custom
    permission keeps its own name)."""
    model = permission.content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is None or action not in PERMISSION_ACTIONS or model_name != model._meta.model_name:
        return str(permission)
    app = capfirst(model._meta.app_config.verbose_name)
    return f"{app} | {capfirst(model._meta.verbose_name)} | {PERMISSION_ACTIONS[action]}"


def group_label(group):
    """A role group by its role's label ("调度主管"), any other group by its name."""
    name = getattr(group, "name", group)
    return Role(name).label if name in Role.values else name


class _WordedAuthChoices:
    """Permissions and groups offered by their translated labels in the user and group forms."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in ("permissions", "user_permissions"):
            kwargs.setdefault(
                "queryset", db_field.remote_field.model.objects.select_related("content_type")
            )
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label
        elif field is not None and db_field.name == "groups":
            field.label_from_instance = group_label
        return field


class RoleGroupListFilter(admin.RelatedFieldListFilter):
    """The user list's "by group" filter, each role group by its label."""

    def field_choices(self, field, request, model_admin):
        # A group's label in the filter is its name (Group.__str__).
        return [
            (pk, group_label(str(label)))
            for pk, label in super().field_choices(field, request, model_admin)
        ]


admin.site.unregister(Group)


@admin.register(Group)
class WordedGroupAdmin(_WordedAuthChoices, GroupAdmin):
    """Django's GroupAdmin, with role groups and permissions named in words."""

    list_display = ["label"]

    @admin.display(description=_("name"), ordering="name")
    def label(self, obj):
        return group_label(obj)


admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(_WordedAuthChoices, UserAdmin):
    """Django's UserAdmin, with the password change (a view of its own that bypasses
    ``save_model``) recorded too; the password itself never reaches the trail. Groups and
    permissions are named in words (``_WordedAuthChoices``)."""

    list_filter = ("is_staff", "is_superuser", "is_active", ("groups", RoleGroupListFilter))

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            with transaction.atomic():
                audit_record(
                    actor=request.user,
                    action="admin.updated",
                    object_type="auth.user",
                    object_id=id,
                    changes={"password": "<redacted>"},
                )
        return response
