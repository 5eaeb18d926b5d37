"""The admin adapter of the depot: every record read-only. Receipts, their photos and the
loan units' states are written only by ``tickets.depot.services`` (the pages, the API)."""

from django.contrib import admin

from aftersales.admin import ReadOnlyAdmin

from .models import EquipmentReceipt, LoanUnit, ReceiptPhoto


class PhotoInline(admin.TabularInline):
    model = ReceiptPhoto
    extra = 0
    can_delete = False
    fields = ["file", "uploaded_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EquipmentReceipt)
class EquipmentReceiptAdmin(ReadOnlyAdmin):
    list_display = ["number", "ticket", "stage", "status", "received_at", "due_at", "loan_unit"]
    list_filter = ["status", "stage"]
    search_fields = ["number", "ticket__number", "serial_number"]
    list_select_related = ["ticket", "loan_unit"]
    exclude = ["intake_signature", "return_signature"]
    inlines = [PhotoInline]


@admin.register(LoanUnit)
class LoanUnitAdmin(ReadOnlyAdmin):
    list_display = ["number", "product_model", "serial_number", "status"]
    list_filter = ["status"]
    search_fields = ["number", "serial_number"]
    list_select_related = ["product_model"]
