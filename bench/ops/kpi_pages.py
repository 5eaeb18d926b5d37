"""The KPI report page (issue 14 §4, /reports/kpi/): a month by each grouping, as an
auditor opens it, and the month's XLSX export. Target: a month under 500 ms p95."""

from bench.context import signed_in_page
from bench.harness import Operation, operation

from .tickets import _ok

URL = "/reports/kpi/"


def _page(ctx, name, query, iterations=20):
    client = signed_in_page(ctx, "auditor")
    return Operation(name=name, run=lambda i: _ok(client.get(URL, query)), iterations=iterations)


@operation
def kpi_page_month_by_technician(ctx):
    return _page(
        ctx,
        "KPI page, last month by technician (HTML)",
        {"period": "last_month", "group_by": "technician"},
    )


@operation
def kpi_page_month_by_area(ctx):
    return _page(
        ctx, "KPI page, last month by area (HTML)", {"period": "last_month", "group_by": "area"}
    )


@operation
def kpi_page_month_by_outlet(ctx):
    return _page(
        ctx,
        "KPI page, last month by outlet (HTML)",
        {"period": "last_month", "group_by": "outlet"},
    )


@operation
def kpi_page_month_sorted(ctx):
    return _page(
        ctx,
        "KPI page, last month by technician, sorted by first-time fix (HTML)",
        {"period": "last_month", "group_by": "technician", "sort": "-first_time_fix_pct"},
    )


@operation
def kpi_page_month_xlsx(ctx):
    return _page(
        ctx,
        "KPI page, last month by technician, XLSX export",
        {"period": "last_month", "group_by": "technician", "export": "xlsx"},
        iterations=10,
    )
