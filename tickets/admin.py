"""Admin adapter: browse and correct reference data and customers, each write through
its service (``aftersales.admin.ServiceModelAdmin``); tickets change only through services."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales.admin import ReadOnlyAdmin, ServiceInline, ServiceModelAdmin

from . import services
from .models import (
    Area,
    CalendarException,
    ChecklistItem,
    Customer,
    FaultCode,
    InboundEmail,
    Mailbox,
    Product,
    ProductCategory,
    ProductModel,
    SlaClockEntry,
    SlaEvent,
    SlaPolicy,
    Ticket,
    TicketEvent,
    TicketNumberSequence,
    WorkingCalendar,
    WorkingHours,
)
from .services.customers import CUSTOMER_FIELDS
from .services.mailboxes import MAILBOX_FIELDS


class ReferenceDataAdmin(ServiceModelAdmin):
    """Reference data through its services (``tickets.services.reference``): codes are
    fixed once created; deletes are refused while something refers to the row. The
    events keep the admin's ``admin.created`` / ``admin.updated`` / ``admin.deleted``."""

    entity = None  # the services' name for the row: area → area_create(area=…)
    fixed_after_create = ["code"]

    def _service(self, verb):
        return getattr(services, f"{self.entity}_{verb}")

    def get_readonly_fields(self, request, obj=None):
        fixed = self.fixed_after_create if obj else []
        return [*fixed, *super().get_readonly_fields(request, obj)]

    def service_create(self, request, form):
        return self._service("create")(
            actor=request.user, audit_action="admin.created", **form.cleaned_data
        )

    def service_update(self, request, obj, form):
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        return self._service("update")(
            **{self.entity: obj}, actor=request.user, audit_action="admin.updated", **fields
        )

    def service_delete(self, request, obj):
        self._service("delete")(
            **{self.entity: obj}, actor=request.user, audit_action="admin.deleted"
        )


class ReferenceDataInline(ServiceInline):
    """A row of a working calendar (its hours, its exceptions) through its own services;
    the row stays on its calendar."""

    entity = None
    parent_field = "calendar"

    def _service(self, verb):
        return getattr(services, f"{self.entity}_{verb}")

    def service_create(self, request, form, parent):
        fields = {name: form.cleaned_data[name] for name in self.editable_fields(form)}
        return self._service("create")(
            actor=request.user,
            audit_action="admin.created",
            **fields,
            **{self.parent_field: parent},
        )

    def service_update(self, request, obj, form):
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        fields = {
            name: value for name, value in fields.items() if name in self.editable_fields(form)
        }
        return self._service("update")(
            **{self.entity: obj}, actor=request.user, audit_action="admin.updated", **fields
        )

    def service_delete(self, request, obj):
        self._service("delete")(
            **{self.entity: obj}, actor=request.user, audit_action="admin.deleted"
        )

    def editable_fields(self, form):
        """The row's own fields on the inline form (not its id, parent or delete box)."""
        return [name for name in form.fields if name not in ("id", "DELETE", self.parent_field)]


@admin.register(Area)
class AreaAdmin(ReferenceDataAdmin):
    entity = "area"
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(ProductCategory)
class ProductCategoryAdmin(ReferenceDataAdmin):
    entity = "product_category"
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(FaultCode)
class FaultCodeAdmin(ReferenceDataAdmin):
    """The fault-code catalogue per product category, labelled in both languages."""

    entity = "fault_code"
    fixed_after_create = ["category", "code"]
    list_display = ["code", "category", "description_en", "description_zh", "fault_class", "active"]
    list_filter = ["category", "fault_class", "active"]
    search_fields = ["code", "description_en", "description_zh"]
    list_select_related = ["category"]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ReferenceDataAdmin):
    """The completion checklist per product category, labelled in both languages."""

    entity = "checklist_item"
    fixed_after_create = ["category"]
    list_display = ["label_en", "label_zh", "category", "position", "required", "active"]
    list_filter = ["category", "required", "active"]
    search_fields = ["label_en", "label_zh"]
    list_select_related = ["category"]


@admin.register(ProductModel)
class ProductModelAdmin(ReferenceDataAdmin):
    entity = "product_model"
    list_display = ["code", "name", "category", "warranty_months"]
    list_filter = ["category"]
    search_fields = ["code", "name"]
    list_select_related = ["category"]


@admin.register(Customer)
class CustomerAdmin(ServiceModelAdmin):
    """``customer_create`` / ``customer_update``: the phone is normalised and must be new.
    Erasure (``customer_erase``, the API's ``erase`` action) keeps the tickets, so there
    is no delete here, and an erased customer's data no longer changes (view only)."""

    list_display = ["name", "masked_phone", "area", "tier", "erased_at", "created_at"]
    list_filter = ["tier", "area", ("erased_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "=phone", "email"]
    list_select_related = ["area"]
    readonly_fields = ["erased_at", "created_by", "created_at", "updated_at"]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return (obj is None or obj.erased_at is None) and super().has_change_permission(
            request, obj
        )

    @admin.display(description=_("phone"))
    def masked_phone(self, customer):
        return customer.masked_phone

    def service_create(self, request, form):
        fields = {name: form.cleaned_data[name] for name in CUSTOMER_FIELDS}
        return services.customer_create(actor=request.user, **fields)

    def service_update(self, request, obj, form):
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        return services.customer_update(customer=obj, actor=request.user, **fields)


@admin.register(Product)
class ProductAdmin(ServiceModelAdmin):
    """Units are registered through ``product_register`` (serial unique per model, no
    future purchase date); nothing corrects or deletes one afterwards (view only)."""

    list_display = ["serial_number", "model", "customer", "purchase_date"]
    list_filter = ["model__category"]
    search_fields = ["=serial_number", "customer__name"]
    list_select_related = ["model", "customer"]
    raw_id_fields = ["customer"]
    show_full_result_count = False

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.product_register(
            actor=request.user,
            customer=data["customer"],
            model=data["model"],
            serial_number=data["serial_number"],
            purchase_date=data["purchase_date"],
        )


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "action", "from_status", "to_status", "actor", "payload"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ServiceModelAdmin):
    """Read-mostly: status, owner, technician, version and the SLA clock are read-only;
    transitions go through the services (API or pages) so that they are checked and logged.
    The description is corrected through ``ticket_update`` (a timeline event, the audit)."""

    list_display = [
        "number",
        "status",
        "priority",
        "category",
        "channel",
        "customer",
        "technician",
        "owner",
        "response_due_at",
        "dispatch_due_at",
        "escalation_level",
        "created_at",
    ]
    list_filter = ["status", "priority", "category", "channel", "escalation_level"]
    search_fields = ["=number", "customer__name", "=customer__phone", "=product__serial_number"]
    list_select_related = ["customer", "technician", "owner"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [TicketEventInline]
    readonly_fields = [
        f.name
        for f in Ticket._meta.get_fields()
        if getattr(f, "concrete", False) and f.name not in {"description"}
    ]

    # No add (intake goes through ticket_create: numbering, SLA, events) and no delete.

    def service_update(self, request, obj, form):
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        return services.ticket_update(ticket=obj, actor=request.user, **fields)


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "kind", "action", "from_status", "to_status", "actor", "created_at"]
    list_filter = ["kind", "action"]
    search_fields = ["=ticket__number"]
    list_select_related = ["ticket", "actor"]
    raw_id_fields = ["ticket"]
    show_full_result_count = False


@admin.register(TicketNumberSequence)
class TicketNumberSequenceAdmin(ReadOnlyAdmin):
    list_display = ["year", "last_value"]


class WorkingHoursInline(ReferenceDataInline, admin.TabularInline):
    entity = "working_hours"
    model = WorkingHours
    extra = 0


class CalendarExceptionInline(ReferenceDataInline, admin.TabularInline):
    """Holidays (no windows) and adjusted working days (windows as [[480, 1200]])."""

    entity = "calendar_exception"
    model = CalendarException
    extra = 0
    fields = ["date", "name", "windows"]


@admin.register(WorkingCalendar)
class WorkingCalendarAdmin(ReferenceDataAdmin):
    entity = "working_calendar"
    list_display = ["code", "name", "time_zone"]
    search_fields = ["code", "name"]
    inlines = [WorkingHoursInline, CalendarExceptionInline]


@admin.register(CalendarException)
class CalendarExceptionAdmin(ReferenceDataAdmin):
    entity = "calendar_exception"
    fixed_after_create = ["calendar"]
    list_display = ["calendar", "date", "name", "windows"]
    list_filter = ["calendar"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ReferenceDataAdmin):
    entity = "sla_policy"
    fixed_after_create = []
    list_display = [
        "name",
        "priority",
        "category",
        "customer_tier",
        "response_hours",
        "dispatch_hours",
        "resolution_hours",
        "calendar",
        "is_default",
        "active",
    ]
    list_filter = ["active", "is_default", "priority", "category", "customer_tier", "calendar"]
    search_fields = ["name"]
    list_select_related = ["calendar"]


@admin.register(SlaEvent)
class SlaEventAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "kind", "clock", "level", "due_at", "notified_at"]
    list_filter = ["kind", "clock", "level"]
    search_fields = ["=ticket__number"]
    list_select_related = ["ticket"]
    show_full_result_count = False


@admin.register(SlaClockEntry)
class SlaClockEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "ticket",
        "reason",
        "policy",
        "paused_seconds",
        "response_due_at",
        "dispatch_due_at",
        "created_at",
    ]
    list_filter = ["reason", "policy"]
    search_fields = ["=ticket__number"]
    list_select_related = ["ticket", "policy"]
    show_full_result_count = False


class MailboxForm(forms.ModelForm):
    """The mailbox with a write-only password: never shown, stored encrypted when typed."""

    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted. Leave blank to keep the stored one."),
    )
    clear_password = forms.BooleanField(
        label=_("forget the stored password"),
        required=False,
        help_text=_("Then the environment variable above is the only source."),
    )

    class Meta:
        model = Mailbox
        fields = list(MAILBOX_FIELDS)


@admin.register(Mailbox)
class MailboxAdmin(ServiceModelAdmin):
    """E-mail intake mailboxes (``tickets.services.mailboxes``): a superuser's to edit,
    as they hold credentials; supervisors may look (without any password)."""

    form = MailboxForm
    list_display = ["name", "enabled", "host", "username", "folder", "category", "last_polled_at"]
    list_filter = ["enabled", "category"]
    search_fields = ["name", "host", "username"]
    list_select_related = ["owner"]
    readonly_fields = ["last_polled_at", "last_error"]

    def get_fields(self, request, obj=None):
        fields = [*MAILBOX_FIELDS]
        if self.has_change_permission(request, obj):
            fields[fields.index("password_env") + 1 : fields.index("password_env") + 1] = [
                "password",
                "clear_password",
            ]
        return [*fields, *self.readonly_fields]

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.mailbox_create(
            actor=request.user,
            password=data.get("password", ""),
            audit_action="admin.created",
            **{name: data[name] for name in MAILBOX_FIELDS},
        )

    def service_update(self, request, obj, form):
        data = form.cleaned_data
        return services.mailbox_update(
            mailbox=obj,
            actor=request.user,
            password=data.get("password", ""),
            clear_password=data.get("clear_password", False),
            audit_action="admin.updated",
            **{name: data[name] for name in form.changed_data if name in MAILBOX_FIELDS},
        )

    def service_delete(self, request, obj):
        services.mailbox_delete(mailbox=obj, actor=request.user, audit_action="admin.deleted")


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyAdmin):
    """What the e-mail intake took, and what it did with each message."""

    list_display = ["received_at", "mailbox", "sender", "subject", "outcome", "reason", "ticket"]
    list_filter = ["outcome", "reason", "mailbox"]
    search_fields = ["=message_id", "=sender", "=ticket__number"]
    list_select_related = ["mailbox", "ticket"]
    date_hierarchy = "received_at"
    show_full_result_count = False
