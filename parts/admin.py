"""The admin adapter of the parts app. Stock is never edited here: levels, movements,
alerts and ticket lines are read-only, and the catalogue and counts go through services."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aftersales.admin import ReadOnlyAdmin
from aftersales.exceptions import ApplicationError

from . import services
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
class PartAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "category", "unit_price", "approved", "reorder_point", "active"]
    list_filter = ["approved", "warranty_covered", "active", "category"]
    search_fields = ["sku", "name"]
    filter_horizontal = ["compatible_models"]

    def get_readonly_fields(self, request, obj=None):
        return ["sku"] if obj else []

    def save_model(self, request, obj, form, change):
        fields = {f: form.cleaned_data[f] for f in CATALOGUE_FIELDS if f in form.changed_data}
        if change:
            # The form already copied its values onto ``obj``: the service must compare
            # against the row as stored to see what changed (a new reorder point).
            stored = Part.objects.get(pk=obj.pk)
            services.part_update(part=stored, actor=request.user, **fields)
        else:
            values = {f: form.cleaned_data[f] for f in CATALOGUE_FIELDS if f in form.cleaned_data}
            part = services.part_create(actor=request.user, **values)
            obj.pk, obj._state.adding = part.pk, False


@admin.register(StockLocation)
class StockLocationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "technician", "area", "active"]
    list_filter = ["kind", "active", "area"]
    search_fields = ["code", "name", "technician__full_name"]
    raw_id_fields = ["technician"]

    def get_readonly_fields(self, request, obj=None):
        return ["kind", "technician"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        location = services.location_create(
            actor=request.user,
            code=obj.code,
            name=obj.name,
            kind=obj.kind,
            technician=obj.technician,
            area=obj.area,
        )
        obj.pk, obj._state.adding = location.pk, False


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    """The low-stock list is the ``below reorder`` filter."""

    list_display = ["part", "location", "on_hand", "reserved", "available", "below_reorder"]
    list_filter = ["below_reorder", "location__kind"]
    search_fields = ["part__sku", "location__code"]
    list_select_related = ["part", "location"]
    show_full_result_count = False


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


class StockCountLineInline(admin.TabularInline):
    model = StockCountLine
    fields = ["part", "counted", "expected"]
    readonly_fields = ["expected"]
    raw_id_fields = ["part"]
    extra = 1

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.status == "open"

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


@admin.register(StockCount)
class StockCountAdmin(admin.ModelAdmin):
    list_display = ["id", "location", "status", "created_at", "approved_at"]
    list_filter = ["status"]
    inlines = [StockCountLineInline]
    readonly_fields = ["status", "created_by", "created_at", "approved_by", "approved_at"]
    actions = ["approve"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Approve: post the variances as adjustments"))
    def approve(self, request, queryset):
        for count in queryset:
            try:
                services.stock_count_approve(count=count, actor=request.user)
            except (ApplicationError, ValidationError) as error:
                self.message_user(request, f"{count}: {error}", messages.ERROR)
            else:
                self.message_user(request, _("%(count)s approved.") % {"count": count})
