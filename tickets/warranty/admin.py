"""Admin for the warranty: part groups and terms write through the services (supervisors:
``aftersales.roles.SUPERVISOR_ADMIN_EDIT``); contracts and triage records are read here
and written on the desk's pages and the API (renewal and cancellation are flows)."""

from django.contrib import admin

from aftersales.admin import ReadOnlyAdmin, ServiceModelAdmin

from . import services
from .models import ServiceContract, TicketWarranty, WarrantyPartGroup, WarrantyTerm


@admin.register(WarrantyPartGroup)
class WarrantyPartGroupAdmin(ServiceModelAdmin):
    """``part_group_create`` / ``part_group_update``; the code is fixed once created."""

    list_display = ["code", "name"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.part_group_create(actor=request.user, code=data["code"], name=data["name"])

    def service_update(self, request, obj, form):
        return services.part_group_update(
            group=obj, actor=request.user, name=form.cleaned_data["name"]
        )


@admin.register(WarrantyTerm)
class WarrantyTermAdmin(ServiceModelAdmin):
    """``warranty_term_create`` / ``_update`` / ``_delete``: model, scope and group are fixed
    once created; the length and the repair-days switch change."""

    list_display = ["product_model", "scope", "part_group", "months", "extends_by_repair_days"]
    list_filter = ["scope", "extends_by_repair_days", "part_group"]
    search_fields = ["product_model__code", "product_model__name"]
    raw_id_fields = ["product_model"]
    exclude = ["version"]

    def get_readonly_fields(self, request, obj=None):
        return ["product_model", "scope", "part_group"] if obj else []

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.warranty_term_create(
            actor=request.user,
            product_model=data["product_model"],
            scope=data["scope"],
            part_group=data.get("part_group"),
            months=data["months"],
            extends_by_repair_days=data["extends_by_repair_days"],
        )

    def service_update(self, request, obj, form):
        fields = {
            f: form.cleaned_data[f]
            for f in ("months", "extends_by_repair_days")
            if f in form.changed_data
        }
        return services.warranty_term_update(term=obj, actor=request.user, **fields)

    def service_delete(self, request, obj):
        services.warranty_term_delete(term=obj, actor=request.user)


@admin.register(ServiceContract)
class ServiceContractAdmin(ReadOnlyAdmin):
    list_display = ["number", "customer", "kind", "starts_on", "ends_on", "status", "fee"]
    list_filter = ["status", "kind"]
    search_fields = ["number", "customer__name"]
    raw_id_fields = ["customer", "products", "renewed_from"]


@admin.register(TicketWarranty)
class TicketWarrantyAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "derived_decision", "part_group", "contract", "goodwill_by"]
    list_filter = ["derived_decision"]
    raw_id_fields = ["ticket", "contract"]
