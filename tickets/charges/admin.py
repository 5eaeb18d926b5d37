"""The admin adapter of the charges: every record read-only. Price lists are drafted,
edited and published on the supervisors' page (``/charges/prices/``) through the
services; quotes, charge lines, payments, receipts and refunds are written only by
their services (the job page, the ticket page, the API)."""

from django.contrib import admin

from aftersales.admin import ReadOnlyAdmin

from .models import (
    CalloutZone,
    ChargeLine,
    LabourRate,
    PartPrice,
    Payment,
    PriceList,
    Quote,
    QuoteLine,
    Receipt,
    Refund,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LabourRateInline(ReadOnlyInline):
    model = LabourRate


class CalloutZoneInline(ReadOnlyInline):
    model = CalloutZone


class PartPriceInline(ReadOnlyInline):
    model = PartPrice


@admin.register(PriceList)
class PriceListAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "effective_from", "status", "published_at"]
    list_filter = ["status"]
    search_fields = ["code", "name"]
    inlines = [LabourRateInline, CalloutZoneInline, PartPriceInline]


class QuoteLineInline(ReadOnlyInline):
    model = QuoteLine
    exclude = ["free_reason"]


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ["number", "ticket", "status", "total", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["number", "ticket__number"]
    raw_id_fields = ["ticket"]
    exclude = ["signature"]
    inlines = [QuoteLineInline]


@admin.register(ChargeLine)
class ChargeLineAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "kind", "description", "quantity", "amount", "free", "receipt"]
    list_filter = ["kind", "free"]
    search_fields = ["ticket__number"]
    raw_id_fields = ["ticket", "quote", "receipt", "part"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "amount", "method", "reference", "recorded_at", "recorded_by"]
    list_filter = ["method"]
    search_fields = ["ticket__number", "reference"]
    raw_id_fields = ["ticket"]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["number", "ticket", "amount", "issued_at"]
    search_fields = ["number", "ticket__number"]
    raw_id_fields = ["ticket", "payment"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["payment", "amount", "status", "requested_at", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["payment"]
