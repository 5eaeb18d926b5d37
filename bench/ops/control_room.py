"""The supervisors' control room (/dashboard/, issue 14 §1): the whole page (tiles, four
lists, four charts, low stock) for every area and for one, the htmx poll, a chart's CSV,
and the beat task that keeps the daily figures behind the charts fresh.

Needs tickets migration 0021 (TicketDailyStat) in the bench database; the first run
fills the table from the tickets (``ticket_stats_rebuild --all``, about a minute)."""

from django.db import connection

from bench.harness import Operation, operation
from tickets.models import TicketDailyStat
from tickets.services import ticket_daily_stats_refresh

from .tickets import _ok

URL = "/dashboard/"


def _stats_ready():
    if not TicketDailyStat.objects.exists():
        from django.core.management import call_command

        call_command("ticket_stats_rebuild", "--all")


def _busiest_area():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.code FROM tickets_ticket t JOIN tickets_area a ON a.id = t.area_id"
            " WHERE t.status IN ('new', 'triaged', 'dispatched', 'on_site',"
            " 'awaiting_confirmation') GROUP BY a.code ORDER BY count(*) DESC LIMIT 1"
        )
        row = cursor.fetchone()
    return row[0] if row else ""


def _page(ctx, name, query=None, htmx=False, path=URL):
    _stats_ready()
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_X_BACKGROUND_REFRESH": "1"} if htmx else {}
    return Operation(
        name=name,
        run=lambda i: _ok(ctx.page.get(path, query or {}, **headers)),
        iterations=50,
        note="live figures shared for 15 s until a ticket write; charts from TicketDailyStat",
    )


@operation
def control_room_page(ctx):
    return _page(ctx, "control room page, every area (HTML)")


@operation
def control_room_page_area(ctx):
    return _page(ctx, "control room page, busiest area (HTML)", {"area": _busiest_area()})


@operation
def control_room_page_uncached(ctx):
    """The worst case: every figure computed (the first poll after a ticket write)."""
    from django.test import override_settings

    def run(i):
        with override_settings(CONTROL_ROOM_CACHE_SECONDS=0):
            return _ok(ctx.page.get(URL))

    _stats_ready()
    return Operation(name="control room page, every area, uncached (HTML)", run=run, iterations=50)


@operation
def control_room_poll(ctx):
    return _page(ctx, "control room poll, every area (htmx fragment)", htmx=True)


@operation
def control_room_csv(ctx):
    return _page(ctx, "control room chart CSV, SLA by week", path="/dashboard/charts/sla-weeks.csv")


@operation
def control_room_stats_refresh(ctx):
    return Operation(
        name="control room daily figures refresh, 14 days (beat task)",
        run=lambda i: ticket_daily_stats_refresh(),
        iterations=5,
        note="every TICKET_STATS_REFRESH_SECONDS (300 s)",
    )
