"""Admin adapter: browse and correct reference data; tickets change only through services."""

from django.contrib import admin

from aftersales.admin import ReadOnlyAdmin

from .models import (
    Area,
    CalendarException,
    Customer,
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
from .services import ticket_update


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(ProductModel)
class ProductModelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "warranty_months"]
    list_filter = ["category"]
    search_fields = ["code", "name"]
    list_select_related = ["category"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "masked_phone", "area", "tier", "erased_at", "created_at"]
    list_filter = ["tier", "area", ("erased_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "=phone", "email"]
    list_select_related = ["area"]
    readonly_fields = ["erased_at", "created_by", "created_at", "updated_at"]
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        return False  # erasure (anonymisation) keeps the tickets; see the API's erase action


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["serial_number", "model", "customer", "purchase_date"]
    list_filter = ["model__category"]
    search_fields = ["=serial_number", "customer__name"]
    list_select_related = ["model", "customer"]
    raw_id_fields = ["customer"]
    show_full_result_count = False


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "action", "from_status", "to_status", "actor", "payload"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-mostly: status, owner, technician, version and the SLA clock are read-only;
    transitions go through the services (API or pages) so that they are checked and logged."""

    audited_by_service = True  # ticket_update records the audit event (audits.admin)

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

    def has_add_permission(self, request):
        return False  # intake goes through ticket_create (numbering, SLA, events)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        ticket = Ticket.objects.get(pk=obj.pk)
        ticket_update(ticket=ticket, actor=request.user, description=obj.description)


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


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class CalendarExceptionInline(admin.TabularInline):
    """Holidays (no windows) and adjusted working days (windows as [[480, 1200]])."""

    model = CalendarException
    extra = 0
    fields = ["date", "name", "windows"]


@admin.register(WorkingCalendar)
class WorkingCalendarAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "time_zone"]
    search_fields = ["code", "name"]
    inlines = [WorkingHoursInline, CalendarExceptionInline]


@admin.register(CalendarException)
class CalendarExceptionAdmin(admin.ModelAdmin):
    list_display = ["calendar", "date", "name", "windows"]
    list_filter = ["calendar"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
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
