"""Admin building blocks shared by the apps."""

from django.contrib import admin
from django.db import transaction


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the system writes; nobody edits them by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _values(obj):
    from audits.services.trail import field_values

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
        from audits.services import audit_record

        with transaction.atomic():
            audit_record(actor=request.user, action=action, obj=obj, changes=changes)


def audit_admin_site(site):
    """Mix ``AuditedAdminMixin`` into every ModelAdmin registered on ``site`` (idempotent)."""
    for model, model_admin in list(site._registry.items()):
        cls = type(model_admin)
        if isinstance(model_admin, (AuditedAdminMixin, ReadOnlyAdmin)):
            continue
        audited = type(
            f"Audited{cls.__name__}", (AuditedAdminMixin, cls), {"__module__": cls.__module__}
        )
        site._registry[model] = audited(model, site)
