"""Settlement with outlets (结算, issue 17 item 3): building an outlet's monthly statement
from its signed work orders — the month's tickets read with their parts, each job priced
by the list in force on its completion day, the lines bulk-inserted, the totals and the
audit event written — as ``statement_build`` does for the build button and the API.

Set-up (once, idempotent): the bench outlet ``BENCH-ST`` and, if it has none, the
``BENCH_SETTLEMENT_JOBS`` (default 5,000) most recent closed tickets of the month with
most closed tickets are given to it (``outlet_id`` only); a published price list is
added when the database has none. Each call rebuilds the same draft, so the database
does not grow. Queries per call do not depend on the number of jobs except one INSERT
per 1,000 lines.
"""

import os

from django.conf import settings
from django.db import connection

from bench.harness import Operation, operation
from bench.pricelist import ensure_price_list
from technicians.outlets.choices import OutletKind
from technicians.outlets.models import Outlet
from tickets.settlement import services
from tickets.settlement.selectors import month_bounds, signed_work_orders

OUTLET = "BENCH-ST"


def _bench_month(outlet, jobs):
    """The month of the bench outlet's tickets, assigning ``jobs`` closed tickets of the
    busiest month to it the first time."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT date_trunc('month', closed_at AT TIME ZONE %s)::date, count(*)"
            " FROM tickets_ticket WHERE outlet_id = %s AND status IN ('closed', 'followed_up')"
            " GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
            [settings.TIME_ZONE, outlet.pk],
        )
        row = cursor.fetchone()
        if row:
            return row[0]
        cursor.execute(
            "SELECT date_trunc('month', closed_at AT TIME ZONE %s)::date, count(*)"
            " FROM tickets_ticket WHERE status IN ('closed', 'followed_up')"
            " AND closed_at IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
            [settings.TIME_ZONE],
        )
        row = cursor.fetchone()
        if row is None:
            raise SystemExit("No closed ticket: run `make bench-data`.")
        month = row[0]
        start, end = month_bounds(month)
        cursor.execute(
            "UPDATE tickets_ticket SET outlet_id = %s WHERE id IN ("
            " SELECT id FROM tickets_ticket WHERE status IN ('closed', 'followed_up')"
            " AND closed_at >= %s AND closed_at < %s AND outlet_id IS NULL"
            " ORDER BY closed_at DESC LIMIT %s)",
            [outlet.pk, start, end, jobs],
        )
    return month


@operation
def settlement_month(ctx):
    jobs = int(os.environ.get("BENCH_SETTLEMENT_JOBS", "5000"))
    outlet, _created = Outlet.objects.get_or_create(
        code=OUTLET,
        defaults={
            "name": "Bench partner outlet",
            "kind": OutletKind.PARTNER,
            "company_name": "Bench Service Co.",
        },
    )
    ensure_price_list()
    month = _bench_month(outlet, jobs)
    count = signed_work_orders(outlet=outlet, month=month).count()

    def run(i):
        statement = services.statement_build(outlet=outlet, month=month, actor=None)
        assert statement.job_count == count, (statement.job_count, count)
        return statement

    def floor(cursor, i):
        # The same month's jobs and parts summed in one statement (no pricing, no writes).
        start, end = month_bounds(month)
        cursor.execute(
            "SELECT count(DISTINCT t.id), coalesce(sum(tp.quantity), 0)"
            " FROM tickets_ticket t LEFT JOIN parts_ticketpart tp ON tp.ticket_id = t.id"
            " WHERE t.outlet_id = %s AND t.status IN ('closed', 'followed_up')"
            " AND t.closed_at >= %s AND t.closed_at < %s",
            [outlet.pk, start, end],
        )
        return cursor.fetchone()

    return Operation(
        name=f"settlement: build a month's statement ({count:,} jobs, {month:%Y-%m})",
        run=run,
        floor=floor,
        iterations=10,
        note="statement_build: read, price, bulk-insert the lines, totals, audit",
    )
