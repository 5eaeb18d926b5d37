"""Admin: outlets and partner scorecards, read-only (they change through the services:
the outlet pages and the API, which check the rules and write the audit trail)."""

from django.contrib import admin

from aftersales.admin import ReadOnlyAdmin

from .models import Outlet, PartnerScorecard


@admin.register(Outlet)
class OutletAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "company_name", "published", "active")
    list_filter = ("kind", "published", "active")
    search_fields = ("code", "name", "company_name")
    filter_horizontal = ()


@admin.register(PartnerScorecard)
class PartnerScorecardAdmin(ReadOnlyAdmin):
    list_display = ("outlet", "period_start", "period_end", "status", "score", "grade")
    list_filter = ("status", "grade")
    list_select_related = ("outlet",)
