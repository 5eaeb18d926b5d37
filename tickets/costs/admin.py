"""The costs app in the admin: claims and their decisions read-only (their rules live in
the services), cost rates and budgets written through the services."""

from django.contrib import admin

from aftersales.admin import ReadOnlyAdmin, ServiceModelAdmin

from . import services
from .models import Budget, CostRate, ExpenseApproval, ExpenseClaim


class ExpenseApprovalInline(admin.TabularInline):
    model = ExpenseApproval
    extra = 0
    can_delete = False
    readonly_fields = ["step", "role", "decision", "actor", "comment", "decided_at"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ExpenseClaim)
class ExpenseClaimAdmin(ReadOnlyAdmin):
    list_display = ["number", "technician", "kind", "amount", "spent_on", "status", "waiting_role"]
    list_filter = ["status", "kind", "waiting_role"]
    search_fields = ["number", "technician__full_name", "technician__employee_no"]
    date_hierarchy = "created_at"
    list_select_related = ["technician"]
    exclude = ["receipt"]
    inlines = [ExpenseApprovalInline]


@admin.register(CostRate)
class CostRateAdmin(ServiceModelAdmin):
    list_display = ["effective_from", "labour_hourly_rate", "travel_km_rate", "note"]
    fields = ["effective_from", "labour_hourly_rate", "travel_km_rate", "note"]

    def has_change_permission(self, request, obj=None):
        # A rate is never edited: a new version takes effect instead.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def service_create(self, request, form):
        return services.cost_rate_create(actor=request.user, **form.cleaned_data)


@admin.register(Budget)
class BudgetAdmin(ServiceModelAdmin):
    list_display = ["month", "area", "kind", "amount", "updated_by", "updated_at"]
    list_filter = ["kind", "area", "month"]
    list_select_related = ["area", "updated_by"]
    fields = ["month", "area", "kind", "amount", "note"]

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # A budget's month, area and kind are what it is; only its amount changes.
        return ["month", "area", "kind"] if obj is not None else []

    def service_create(self, request, form):
        return services.budget_set(actor=request.user, **form.cleaned_data)

    def service_update(self, request, obj, form):
        data = {**form.cleaned_data, "month": obj.month, "area": obj.area, "kind": obj.kind}
        return services.budget_set(actor=request.user, **data)
