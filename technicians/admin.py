"""Admin adapter: every write goes through the technicians' services
(``aftersales.admin.ServiceModelAdmin``); certificates are never re-dated here."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aftersales.admin import ServiceModelAdmin

from . import services
from .eligibility import certification_latest_expiry
from .models import Absence, Certification, CertificationType, Technician, TrainingRecord
from .services.availability import TRAINING_FIELDS


class CertificationInline(admin.TabularInline):
    model = Certification
    fields = ["type", "number", "issued_on", "expires_on", "status", "revoked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class TechnicianAddForm(forms.ModelForm):
    """A new technician with their sign-in, as the API takes it (``technician_create``)."""

    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave blank: the account cannot sign in until a password is set."),
    )

    class Meta:
        model = Technician
        fields = [
            "username", "password", "full_name", "phone", "employee_no", "areas",
            "max_jobs_per_day", "working_days", "home_outlet",
        ]  # fmt: skip


@admin.register(Technician)
class TechnicianAdmin(ServiceModelAdmin):
    """``technician_create`` (the sign-in, the group, the van) and ``technician_update``
    (row lock, capacity checks); the sign-in and the employee number are fixed."""

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
    inlines = [CertificationInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = TechnicianAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["user", "employee_no", "created_at"] if obj else []

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.technician_create(
            actor=request.user,
            username=data["username"],
            password=data["password"] or None,
            full_name=data["full_name"],
            phone=data["phone"],
            employee_no=data["employee_no"],
            areas=list(data["areas"]),
            max_jobs_per_day=data["max_jobs_per_day"],
            working_days=data["working_days"],
            home_outlet=data["home_outlet"],
        )

    def service_update(self, request, obj, form):
        data = form.cleaned_data
        fields = {f: data[f] for f in form.changed_data if f in services.UPDATABLE_FIELDS}
        areas = list(data["areas"]) if "areas" in form.changed_data else None
        return services.technician_update(technician=obj, actor=request.user, areas=areas, **fields)


@admin.register(CertificationType)
class CertificationTypeAdmin(ServiceModelAdmin):
    """``certification_type_create`` / ``certification_type_update``; the code is fixed
    once created (the API refuses a change too)."""

    list_display = ["code", "name", "validity_months"]
    search_fields = ["code", "name"]
    filter_horizontal = ["categories"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.certification_type_create(
            actor=request.user,
            code=data["code"],
            name=data["name"],
            validity_months=data["validity_months"],
            categories=list(data["categories"]),
        )

    def service_update(self, request, obj, form):
        data = form.cleaned_data
        fields = {f: data[f] for f in form.changed_data if f in ("name", "validity_months")}
        if "categories" in form.changed_data:
            fields["categories"] = list(data["categories"])
        return services.certification_type_update(cert_type=obj, actor=request.user, **fields)


class CertificationAdminForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = ["technician", "type", "number", "issuer", "issued_on", "expires_on", "document"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and "expires_on" in self.fields:
            self.fields["expires_on"].required = False
            self.fields["expires_on"].help_text = _(
                "Blank: the issue date plus the type's validity."
            )

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
class CertificationAdmin(ServiceModelAdmin):
    """New certificates go through ``certification_create`` (validity, audit); an existing
    one may only have its paperwork corrected (``certification_update``), and is revoked by
    the action below (``certification_revoke``). A revoked certificate is closed."""

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

    def has_change_permission(self, request, obj=None):
        return (obj is None or obj.revoked_at is None) and super().has_change_permission(
            request, obj
        )

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.certification_create(
            actor=request.user,
            technician=data["technician"],
            type=data["type"],
            number=data["number"],
            issuer=data["issuer"],
            issued_on=data["issued_on"],
            expires_on=data["expires_on"],
            document=data["document"] or None,
        )

    def service_update(self, request, obj, form):
        fields = {f: form.cleaned_data[f] for f in form.changed_data}
        if fields.get("document") is False:  # "clear" ticked: no scan any more
            fields["document"] = ""
        return services.certification_update(certification=obj, actor=request.user, **fields)

    @admin.action(description=_("Revoke the selected certificates"))
    def revoke(self, request, queryset):
        def revoke_one(request, certification):
            services.certification_revoke(
                certification=certification,
                actor=request.user,
                reason=f"Revoked in the admin by {request.user.get_username()} "
                f"on {timezone.localdate().isoformat()}",
            )

        self.run_service_action(
            request,
            queryset.filter(revoked_at__isnull=True),
            revoke_one,
            gettext("%(n)d certificates revoked."),
        )


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ServiceModelAdmin):
    """``training_record_create`` / ``training_record_update``: hours required, no date in
    the future; the technician is fixed once recorded."""

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

    def get_readonly_fields(self, request, obj=None):
        return ["technician", "recorded_by"] if obj else ["recorded_by"]

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.training_record_create(
            actor=request.user,
            technician=data["technician"],
            **{f: data[f] for f in TRAINING_FIELDS},
        )

    def service_update(self, request, obj, form):
        fields = {f: form.cleaned_data[f] for f in form.changed_data if f in TRAINING_FIELDS}
        return services.training_record_update(record=obj, actor=request.user, **fields)


@admin.register(Absence)
class AbsenceAdmin(ServiceModelAdmin):
    """``absence_create`` answers the booked jobs the absence affects (shown as a message);
    an absence is not edited (view only) but withdrawn — delete is ``absence_cancel`` —
    and recorded again."""

    list_display = ["technician", "kind", "starts_on", "ends_on"]
    list_filter = ["kind"]
    list_select_related = ["technician"]
    raw_id_fields = ["technician"]
    readonly_fields = ["recorded_by"]

    def service_create(self, request, form):
        data = form.cleaned_data
        absence, affected = services.absence_create(
            actor=request.user,
            technician=data["technician"],
            kind=data["kind"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            note=data["note"],
        )
        if affected:
            self.service_message(
                request,
                gettext("Booked jobs in this absence, to reschedule: %(tickets)s")
                % {"tickets": ", ".join(affected)},
                messages.WARNING,
            )
        else:
            self.service_message(request, gettext("No booked jobs fall in this absence."))
        return absence

    def service_delete(self, request, obj):
        services.absence_cancel(absence=obj, actor=request.user)
