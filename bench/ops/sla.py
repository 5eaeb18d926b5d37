"""The SLA sweep: 1,000 due tickets among a million scheduled ones."""

import itertools

from django.db import connection
from django.utils import timezone

from bench.harness import Operation, operation
from tickets.services import sla_sweep

DUE = 1000


@operation
def sla_sweep_1000_due(ctx):
    """Every ticket gets a next check in the future (the partial index then holds all 1M),
    and before each timed sweep a set of 1,000 open tickets whose clock is past its
    warning is made due, its earlier marks forgotten (bench database only): each sweep
    really marks warnings, breaches and escalations and re-plans the tickets."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_ticket SET next_sla_check_at = now() + interval '30 days'"
            " WHERE next_sla_check_at IS NULL OR next_sla_check_at <= now() + interval '1 day'"
        )
        cursor.execute(
            "SELECT id FROM tickets_ticket WHERE sla_paused_at IS NULL AND ("
            "(status = 'new' AND response_warn_at < now()) OR "
            "(status = 'triaged' AND dispatch_warn_at < now())) ORDER BY id"
        )
        candidates = [row[0] for row in cursor.fetchall()]
    sets = itertools.cycle(
        [candidates[i : i + DUE] for i in range(0, len(candidates) - DUE + 1, DUE)]
    )

    def prepare(i):
        ids = next(sets)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM tickets_slaevent WHERE ticket_id = ANY(%s)", [ids])
            cursor.execute(
                "UPDATE tickets_ticket SET next_sla_check_at = now() - interval '1 minute',"
                " escalation_level = 0 WHERE id = ANY(%s)",
                [ids],
            )
            # The deletes above are the benchmark's own churn (production never deletes
            # marks); fresh statistics keep them from skewing the sweep's plans.
            cursor.execute("VACUUM ANALYZE tickets_slaevent")

    return Operation(
        name=f"SLA sweep, {DUE:,} due of 1M scheduled",
        run=lambda i: sla_sweep(now=timezone.now()),
        prepare=prepare,
        iterations=5,
        note=f"{len(candidates)} open tickets past a warning, {DUE} made due per sweep",
    )


@operation
def sla_due_times(ctx):
    """Deadlines of one request on a business-hours calendar with holidays (the intake and
    triage cost of the clock), policy and calendar already loaded."""
    import datetime

    from tickets.calendar import CalendarSpec
    from tickets.sla import Targets, compute_deadlines

    office = ((8 * 60, 20 * 60),)
    year = timezone.localdate().year
    holidays = {datetime.date(year, 10, day): () for day in range(1, 8)}
    spec = CalendarSpec(time_zone="Asia/Shanghai", weekly=(office,) * 6 + ((),),
                        exceptions=holidays)  # fmt: skip
    targets = Targets(response=datetime.timedelta(hours=24), dispatch=datetime.timedelta(hours=48),
                      resolution=datetime.timedelta(hours=120), warning_fraction=0.75)  # fmt: skip
    start = timezone.now()
    return Operation(
        name="SLA due times for one ticket, Mon–Sat calendar (pure)",
        run=lambda i: compute_deadlines(start + datetime.timedelta(minutes=37 * i), targets, spec),
        iterations=1000,
    )
