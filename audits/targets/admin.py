"""Service targets in the admin, read-only: their rules (approval, read-only once approved,
the evaluation) live in the services and the pages."""

from django.contrib import admin

from aftersales.admin import ReadOnlyAdmin

from .models import TargetBreakdown, TargetLine, TargetResult, TargetSet


class TargetLineInline(admin.TabularInline):
    model = TargetLine
    extra = 0
    can_delete = False
    fields = readonly_fields = ["metric", "comparator", "value"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TargetSet)
class TargetSetAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "period_kind", "period_start", "revision", "status", "evaluated_at"]
    list_filter = ["status", "period_kind"]
    date_hierarchy = "period_start"
    list_select_related = ["created_by", "decided_by"]
    inlines = [TargetLineInline]


@admin.register(TargetBreakdown)
class TargetBreakdownAdmin(ReadOnlyAdmin):
    list_display = ["line", "area", "outlet", "value", "owner"]
    list_select_related = ["line", "area", "outlet", "owner"]


@admin.register(TargetResult)
class TargetResultAdmin(ReadOnlyAdmin):
    list_display = ["target_set", "line", "scope", "area", "outlet", "target", "actual", "outcome"]
    list_filter = ["outcome", "scope"]
    list_select_related = ["target_set", "line", "area", "outlet"]
