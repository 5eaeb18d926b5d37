"""The supervisors' control room (``/dashboard/``): the open backlog and its SLA, live.

One GET form (the area) that works without JavaScript; htmx polls the same URL every
``CONTROL_ROOM_POLL_SECONDS`` for the panels (a background refresh, which does not extend
the idle session: aftersales.middleware.SessionMiddleware). Each chart's figures are
also a CSV at ``/dashboard/charts/<chart>.csv`` with the same filter.
"""

import csv

from django.conf import settings
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from aftersales.charts import Chart, Series
from aftersales.roles import Role
from parts.selectors import open_reorder_alerts

from ..choices import Channel, TicketStatus
from ..control_room import control_room_areas, control_room_cached, open_statuses
from ..templatetags.tickets_ui import status_label
from .common import DESK, role_required

LOW_STOCK_LIMIT = 10
CHARTS = ("backlog-status", "backlog-area", "sla-weeks", "intake-channel")


def _area_choice(request, areas):
    """The area asked for (by code) and an error when it is unknown; all areas otherwise."""
    code = request.GET.get("area", "").strip()
    if not code:
        return None, ""
    for area in areas:
        if area.code == code:
            return area, ""
    return None, _("There is no area “%(code)s”; showing every area.") % {"code": code[:32]}


def _charts(room, query):
    """The four charts of ``room``, each with the CSV of its figures (same filter)."""

    def csv_url(chart_id):
        url = reverse("dashboard-chart-csv", args=[chart_id])
        return f"{url}?{query}" if query else url

    statuses = open_statuses()
    unassigned = _("No area")
    day = lambda d: formats.date_format(d, "SHORT_DATE_FORMAT")  # noqa: E731
    return {
        "backlog_status": Chart(
            id="backlog-status",
            title=_("Backlog by status"),
            labels=[status_label(s) for s in statuses],
            series=[Series(_("Open tickets"), [room.by_status[s] for s in statuses])],
            csv_url=csv_url("backlog-status"),
            label_heading=_("Status"),
        ),
        "backlog_area": Chart(
            id="backlog-area",
            title=_("Backlog by area"),
            labels=[area.name if area else unassigned for area, _n in room.by_area],
            series=[Series(_("Open tickets"), [n for _a, n in room.by_area])],
            csv_url=csv_url("backlog-area"),
            label_heading=_("Area"),
        ),
        "sla_weeks": Chart(
            id="sla-weeks",
            title=_("SLA met % by week"),
            kind="line",
            labels=[day(start) for start, _r, _d in room.weeks],
            series=[
                Series(_("Response SLA met %"), [r for _s, r, _d in room.weeks], unit="percent"),
                Series(_("Dispatch SLA met %"), [d for _s, _r, d in room.weeks], unit="percent"),
            ],
            csv_url=csv_url("sla-weeks"),
            caption=_("Last 12 weeks, by the week the tickets were received (from Monday)."),
            label_heading=_("Week from"),
        ),
        "intake_channel": Chart(
            id="intake-channel",
            title=_("Intake by channel per day"),
            kind="stacked-bar",
            labels=[day(d) for d in room.intake_days],
            series=[Series(Channel(c).label, room.intake[c]) for c in Channel.values],
            csv_url=csv_url("intake-channel"),
            caption=_("Tickets received in the last 30 days."),
            label_heading=_("Day"),
        ),
    }


def _room(request):
    areas = control_room_areas()
    area, area_error = _area_choice(request, areas)
    room = control_room_cached(area=area, areas=areas)
    query = QueryDict(mutable=True)
    if area is not None:
        query["area"] = area.code
    return room, area_error, query.urlencode()


def _queue_links(room, query):
    """Where each tile leads: the ticket list filtered the same way."""
    base = reverse("ticket-list-page")
    area = f"&area={room.area.code}" if room.area is not None else ""
    open_query = "&".join(f"status={s}" for s in open_statuses())
    day_start = timezone.localtime(room.now).replace(hour=0, minute=0, second=0, microsecond=0)
    opened = QueryDict(mutable=True)
    opened["created_after"] = day_start.isoformat()
    return {
        "open": f"{base}?{open_query}{area}",
        "at_risk": f"{base}?view=at_risk{area}",
        "breached": f"{base}?view=breached{area}",
        "complaints": f"{base}?category=complaint&{open_query}{area}",
        "opened_today": f"{base}?{opened.urlencode()}{area}",
    }


@role_required(*DESK, Role.AUDITOR)
def dashboard_page(request):
    """The control room; the panels alone for htmx's poll (``request.htmx``)."""
    room, area_error, query = _room(request)
    alerts = open_reorder_alerts()
    if room.area is not None:
        alerts = alerts.filter(location__area=room.area)
    low_stock = list(alerts.select_related("part", "location")[: LOW_STOCK_LIMIT + 1])
    url = reverse("dashboard-page")
    context = {
        "room": room,
        "tiles": room.tiles,
        "tile_links": _queue_links(room, query),
        "charts": _charts(room, query),
        "low_stock": low_stock[:LOW_STOCK_LIMIT],
        "low_stock_more": len(low_stock) > LOW_STOCK_LIMIT,
        "area_error": area_error,
        "poll_url": f"{url}?{query}" if query else url,
        "poll_seconds": settings.CONTROL_ROOM_POLL_SECONDS,
        "statuses": TicketStatus,
    }
    if request.htmx:
        return render(request, "tickets/_control_room.html", context)
    return render(request, "tickets/dashboard.html", context)


@role_required(*DESK, Role.AUDITOR)
def dashboard_chart_csv(request, chart):
    """The figures of one chart as CSV: its table's header and rows, the same filter."""
    if chart not in CHARTS:
        raise Http404
    room, _error, query = _room(request)
    figure = _charts(room, query)[chart.replace("-", "_")]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    area = room.area.code if room.area is not None else "all"
    response["Content-Disposition"] = f'attachment; filename="{chart}-{area}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 (Chinese labels) only with a BOM.
    writer = csv.writer(response)
    writer.writerow([figure.label_heading, *(str(s.label) for s in figure.series)])
    for label, cells in figure.rows:
        writer.writerow([_cell(label), *("" if v is None else v for v in cells)])
    return response


def _cell(text):
    """A label as a CSV cell a spreadsheet shows as text, never runs as a formula (an area
    named "=HYPERLINK(…)" is kept in the admin; it must not become one in Excel)."""
    text = str(text)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
