"""Admin adapter: certificates are added through the service and never re-dated here."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import services
from .eligibility import certification_latest_expiry
from .models import Absence, Certification, CertificationType, Technician, TrainingRecord


class CertificationInline(admin.TabularInline):
    model = Certification
    fields = ["type", "number", "issued_on", "expires_on", "status", "revoked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = [
        "employee_no",
        "full_name",
        "phone",
        "max_jobs_per_day",
        "working_days",
        "active",
    ]
    list_filter = ["active", "areas", "home_outlet"]
    search_fields = ["employee_no", "full_name", "user__username"]
    filter_horizontal = ["areas"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    inlines = [CertificationInline]


@admin.register(CertificationType)
class CertificationTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "validity_months"]
    search_fields = ["code", "name"]
    filter_horizontal = ["categories"]


class CertificationAdminForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = ["technician", "type", "number", "issuer", "issued_on", "expires_on", "document"]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and {"type", "number", "issued_on"} <= set(data):
            cert_type = data["type"]
            expires_on = data.get("expires_on") or certification_latest_expiry(
                type=cert_type, issued_on=data["issued_on"]
            )
            data["expires_on"] = expires_on
            for field, errors in services.certification_errors(
                type=cert_type,
                number=data["number"],
                issued_on=data["issued_on"],
                expires_on=expires_on,
            ).items():
                self.add_error(field, errors)
        return data


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    """New certificates go through ``certification_create`` (validity, audit); an existing
    one may only have its paperwork corrected, and is revoked by the action below."""

    form = CertificationAdminForm
    list_display = ["number", "type", "technician", "issued_on", "expires_on", "status"]
    list_filter = ["status", "type"]
    search_fields = ["number", "technician__full_name", "technician__employee_no"]
    list_select_related = ["type", "technician"]
    raw_id_fields = ["technician"]
    date_hierarchy = "expires_on"
    actions = ["revoke"]
    readonly_fields = [
        "status",
        "verified_by",
        "verified_at",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
        "notified_30_on",
        "notified_7_on",
    ]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["technician", "type", "issued_on", "expires_on"] if obj else []
        return [*fixed, *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if change:
            fields = {f: form.cleaned_data[f] for f in form.changed_data}
            services.certification_update(certification=obj, actor=request.user, **fields)
        else:
            form.instance = services.certification_create(
                actor=request.user,
                technician=obj.technician,
                type=obj.type,
                number=obj.number,
                issuer=obj.issuer,
                issued_on=obj.issued_on,
                expires_on=obj.expires_on,
                document=obj.document or None,
            )
            obj.pk = form.instance.pk

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected certificates"))
    def revoke(self, request, queryset):
        done = 0
        for certification in queryset.filter(revoked_at__isnull=True):
            services.certification_revoke(
                certification=certification,
                actor=request.user,
                reason=f"Revoked in the admin by {request.user.get_username()} "
                f"on {timezone.localdate().isoformat()}",
            )
            done += 1
        self.message_user(request, _("%(n)d certificates revoked.") % {"n": done}, messages.SUCCESS)


@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    list_display = [
        "technician",
        "course",
        "completed_on",
        "theory_hours",
        "practical_hours",
        "score",
    ]
    list_select_related = ["technician"]
    raw_id_fields = ["technician"]
    search_fields = ["course", "technician__full_name", "technician__employee_no"]
    date_hierarchy = "completed_on"
    readonly_fields = ["recorded_by"]


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ["technician", "kind", "starts_on", "ends_on"]
    list_filter = ["kind"]
    list_select_related = ["technician"]
    raw_id_fields = ["technician"]
    readonly_fields = ["recorded_by"]
