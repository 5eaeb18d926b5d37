"""Admin adapter: statements and their lines are read-only here; they change only
through the services (build, submit, approve, return), which check roles and audit."""

from django.contrib import admin

from aftersales.admin import ReadOnlyAdmin

from .models import Statement, StatementLine, StatementNumberSequence


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "outlet", "month", "status", "job_count", "total", "reviewed_at")
    list_filter = ("status", "month")
    search_fields = ("number", "outlet__code", "outlet__name")
    list_select_related = ("outlet",)
    date_hierarchy = "month"
    raw_id_fields = ("outlet", "built_by", "submitted_by", "reviewed_by")


@admin.register(StatementLine)
class StatementLineAdmin(ReadOnlyAdmin):
    list_display = ("ticket_number", "statement", "closed_at", "service_type", "amount")
    list_filter = ("service_type",)
    search_fields = ("ticket_number", "statement__number")
    list_select_related = ("statement",)
    raw_id_fields = ("statement", "ticket")
    # 5,000 lines a month per outlet: count pages with an estimate, never COUNT(*) twice.
    show_full_result_count = False


@admin.register(StatementNumberSequence)
class StatementNumberSequenceAdmin(ReadOnlyAdmin):
    list_display = ("year", "last_value")
