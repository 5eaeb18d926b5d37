"""KPI reports pages (issue 14)."""

from django.shortcuts import render

from aftersales.roles import Role
from tickets.views.common import role_required


@role_required(Role.SUPERVISOR, Role.AUDITOR)
def kpi_report_page(request):
    """Placeholder until the page is built (issue 14)."""
    return render(request, "quality/kpi.html", {})
