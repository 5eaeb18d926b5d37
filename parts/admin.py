"""The admin adapter of the parts app. Stock is never edited here: levels, movements,
alerts and ticket lines are read-only; the catalogue, locations and counts go through
their services (``aftersales.admin.ServiceModelAdmin``)."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aftersales.admin import ReadOnlyAdmin, ServiceInline, ServiceModelAdmin

from . import services
from .choices import CountStatus
from .models import (
    Part,
    ReorderAlert,
    StockCount,
    StockCountLine,
    StockLevel,
    StockLocation,
    StockMovement,
    TicketPart,
)

CATALOGUE_FIELDS = [
    "sku", "name", "category", "unit_cost", "unit_price", "approved", "warranty_covered",
    "reorder_point", "reorder_quantity", "active",
]  # fmt: skip


@admin.register(Part)
class PartAdmin(ServiceModelAdmin):
    """``part_create`` / ``part_update`` (a new reorder point re-evaluates the alerts); the
    SKU is fixed once created; parts are not deleted (the ledger refers to them)."""

    list_display = ["sku", "name", "category", "unit_price", "approved", "reorder_point", "active"]
    list_filter = ["approved", "warranty_covered", "active", "category"]
    search_fields = ["sku", "name"]
    filter_horizontal = ["compatible_models"]

    def get_readonly_fields(self, request, obj=None):
        # The warranty group is set by tickets.warranty (part_warranty_group_set).
        return ["sku", "warranty_group"] if obj else ["warranty_group"]

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.part_create(
            actor=request.user,
            compatible_models=list(data["compatible_models"]),
            **{f: data[f] for f in CATALOGUE_FIELDS if f in data},
        )

    def service_update(self, request, obj, form):
        data = form.cleaned_data
        fields = {f: data[f] for f in CATALOGUE_FIELDS if f in form.changed_data}
        if "compatible_models" in form.changed_data:
            fields["compatible_models"] = list(data["compatible_models"])
        return services.part_update(part=obj, actor=request.user, **fields)


@admin.register(StockLocation)
class StockLocationAdmin(ServiceModelAdmin):
    """``location_create`` / ``location_update``: code, kind and technician are fixed once
    created (a van comes with its technician, ``technician_create``); no delete."""

    list_display = ["code", "name", "kind", "technician", "area", "active"]
    list_filter = ["kind", "active", "area"]
    search_fields = ["code", "name", "technician__full_name"]
    raw_id_fields = ["technician"]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "kind", "technician"] if obj else []

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.location_create(
            actor=request.user,
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            technician=data["technician"],
            area=data["area"],
        )

    def service_update(self, request, obj, form):
        fields = {f: form.cleaned_data[f] for f in form.changed_data}
        return services.location_update(location=obj, actor=request.user, **fields)


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    """The low-stock list is the ``below reorder`` filter."""

    list_display = ["part", "location", "on_hand", "reserved", "available", "below_reorder"]
    list_filter = ["below_reorder", "location__kind"]
    search_fields = ["part__sku", "location__code"]
    list_select_related = ["part", "location"]
    show_full_result_count = False

    @admin.display(description=_("available"))
    def available(self, level):
        return level.available


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at", "kind", "part", "quantity", "from_location", "to_location", "ticket",
        "user",
    ]  # fmt: skip
    list_filter = ["kind"]
    search_fields = ["part__sku", "ticket__number", "reason"]
    list_select_related = ["part", "from_location", "to_location", "ticket", "user"]
    show_full_result_count = False
    date_hierarchy = None


@admin.register(ReorderAlert)
class ReorderAlertAdmin(ReadOnlyAdmin):
    list_display = ["part", "location", "available", "raised_at", "cleared_at"]
    list_filter = [("cleared_at", admin.EmptyFieldListFilter)]
    list_select_related = ["part", "location"]


@admin.register(TicketPart)
class TicketPartAdmin(ReadOnlyAdmin):
    list_display = [
        "ticket", "part", "quantity", "charged", "unit_price", "fitted_serial",
        "removed_serial", "recovery_status",
    ]  # fmt: skip
    list_filter = ["charged", "recovery_status"]
    search_fields = ["ticket__number", "part__sku", "fitted_serial", "removed_serial"]
    list_select_related = ["ticket", "part"]


class StockCountLineInline(ServiceInline, admin.TabularInline):
    """Counted quantities, recorded (or corrected) through ``stock_count_record`` while
    the count is open; read-only once approved. A line keeps its part and is not
    removed (the count's audit lists every recording)."""

    model = StockCountLine
    fields = ["part", "counted", "expected"]
    readonly_fields = ["expected"]
    raw_id_fields = ["part"]
    extra = 1
    can_delete = False

    def has_change_permission(self, request, obj=None):
        # The count's own permission (``parts.change_stockcount``) gates the page; its
        # lines are part of it, open or closed with it.
        return obj is None or obj.status == CountStatus.OPEN

    has_add_permission = has_change_permission

    def service_create(self, request, form, parent):
        data = form.cleaned_data
        return services.stock_count_record(
            count=parent, part=data["part"], counted=data["counted"], actor=request.user
        )

    def service_update(self, request, obj, form):
        if "part" in form.changed_data:
            raise ValidationError(
                {"part": [gettext("A counted line keeps its part; add a line for another.")]}
            )
        return services.stock_count_record(
            count=obj.count, part=obj.part, counted=form.cleaned_data["counted"], actor=request.user
        )


@admin.register(StockCount)
class StockCountAdmin(ServiceModelAdmin):
    """``stock_count_open`` (location, note, then its lines through ``stock_count_record``);
    the approve action is ``stock_count_approve`` (variances posted as adjustments). The
    location and note are fixed once opened; an approved count is closed (view only)."""

    list_display = ["id", "location", "status", "created_at", "approved_at"]
    list_filter = ["status"]
    inlines = [StockCountLineInline]
    readonly_fields = ["status", "created_by", "created_at", "approved_by", "approved_at"]
    actions = ["approve"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["location", "note"] if obj else []
        return [*fixed, *self.readonly_fields]

    def has_change_permission(self, request, obj=None):
        return (obj is None or obj.status == CountStatus.OPEN) and super().has_change_permission(
            request, obj
        )

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.stock_count_open(
            location=data["location"], note=data["note"], actor=request.user
        )

    def service_update(self, request, obj, form):
        return obj  # nothing on the count itself changes once opened; its lines do

    @admin.action(description=_("Approve: post the variances as adjustments"))
    def approve(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda request, count: services.stock_count_approve(count=count, actor=request.user),
            gettext("%(n)d counts approved."),
        )
