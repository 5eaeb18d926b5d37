"""The SLA sweep: 1,000, 10,000 and 100,000 due tickets among a million scheduled ones
(``--only sla_sweep_1000_`` for one; ``--only sla_sweep`` all three)."""

import itertools
import os

from django.db import connection
from django.utils import timezone

from bench.harness import Operation, operation
from tickets.choices import OPEN_STATUSES
from tickets.services import sla_sweep

DUE = 1000
_scheduled = {}


def _schedule_all():
    """Once per run: every ticket gets a next check in the future (the partial index then
    holds all 1M); returns the ids the sweeps make due, open tickets past a warning first
    (the sweep's daily work), then the others by id (a sweep that ran late, or a backlog
    after an outage: closed tickets' stopped clocks judged at their stop).

    ``BENCH_SWEEP_SCHEDULE=open`` (for 10M tickets, where scheduling every ticket is a
    10M-row UPDATE with its history snapshots) schedules the open tickets only, as
    production has them (about 90,000 at 10M): the partial index then holds those, and a
    closed ticket gets a check only when a sweep's set-up makes it due."""
    if "ids" not in _scheduled:
        only_open = os.environ.get("BENCH_SWEEP_SCHEDULE", "all") == "open"
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE tickets_ticket SET next_sla_check_at = now() + interval '30 days'"
                " WHERE next_sla_check_at <= now() + interval '1 day'"
                " OR (next_sla_check_at IS NULL AND (NOT %s OR status = ANY(%s)))",
                [only_open, [str(status) for status in OPEN_STATUSES]],
            )
            cursor.execute(
                "SELECT id, sla_paused_at IS NULL AND ("
                "(status = 'new' AND response_warn_at < now()) OR "
                "(status = 'triaged' AND dispatch_warn_at < now())) AS warned"
                " FROM tickets_ticket ORDER BY 2 DESC, id"
            )
            rows = cursor.fetchall()
            cursor.execute(
                "SELECT count(*) FROM tickets_ticket WHERE next_sla_check_at IS NOT NULL"
            )
            _scheduled["count"] = cursor.fetchone()[0]
        _scheduled["ids"] = [pk for pk, _warned in rows]
        _scheduled["warned"] = sum(1 for _pk, warned in rows if warned)
    return _scheduled["ids"], _scheduled["warned"]


def _scale(count):
    """1M, 90k, 512: the size of the scheduled set, as the table's row names say it."""
    if count >= 1_000_000:
        return f"{count / 1_000_000:.0f}M"
    return f"{count / 1000:.0f}k" if count >= 10_000 else f"{count:,}"


def _due_sets(due):
    """The sets of ``due`` tickets the sweeps take in turn (open tickets past a warning
    while there are enough, else all, open first), and the pool's description."""
    ids, warned = _schedule_all()
    pool = ids[:warned] if due <= warned else ids
    what = "open tickets past a warning" if due <= warned else "tickets (open first)"
    sets = itertools.cycle([pool[i : i + due] for i in range(0, len(pool) - due + 1, due)])
    return sets, f"{len(pool)} {what}"


def _sweep_factory(due, iterations, *, slug, each, make_due):
    """The bench operation of a sweep over sets of ``due`` tickets (``_due_sets``): before
    each timed sweep, ``make_due(ids)`` makes one set due (bench database only). ``each``
    says what every ticket has due, in the row's name ("" for all its marks)."""

    def factory(ctx):
        sets, what = _due_sets(due)
        name_each = f" with {each}," if each else ""
        note_each = f", {each}" if each else ""
        return Operation(
            name=f"SLA sweep, {due:,} due{name_each} of {_scale(_scheduled['count'])} scheduled",
            run=lambda i: sla_sweep(now=timezone.now()),
            prepare=lambda i: make_due(next(sets)),
            iterations=iterations,
            note=f"{due} made due per sweep among {what}{note_each}",
        )

    factory.__name__ = f"sla_sweep_{due}_{slug}"
    return factory


def _forget_all_marks(chosen):
    """Every ticket gets a next check in the future, and before each timed sweep a set
    of ``due`` tickets is made due, its earlier marks forgotten: each sweep really marks
    warnings, breaches and escalations, writes the timeline, audit and outbox rows, and
    re-plans the tickets. Per-ticket cost: median / ``due``."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tickets_slaevent WHERE ticket_id = ANY(%s)", [chosen])
        cursor.execute(
            "UPDATE tickets_ticket SET next_sla_check_at = now() - interval '1 minute',"
            " escalation_level = 0 WHERE id = ANY(%s)",
            [chosen],
        )
        # The deletes above are the benchmark's own churn (production never deletes
        # marks); fresh statistics keep them from skewing the sweep's plans.
        cursor.execute("VACUUM ANALYZE tickets_slaevent")


def _forget_last_mark(chosen):
    """The sweep as the beat meets it every minute: each ticket with exactly one mark come
    due since the last run (a warning, a breach or the next escalation level). An untimed
    sweep marks the chosen tickets fully, then each ticket's last mark is forgotten and its
    escalation level set back to what its other marks say, so the timed sweep writes one
    mark, one timeline row, one audit record and one ticket update per ticket.
    ``_forget_all_marks`` is the backlog case: every mark of each ticket at once (six on
    average), as after an outage."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_ticket SET next_sla_check_at = now() - interval '1 minute'"
            " WHERE id = ANY(%s)",
            [chosen],
        )
    sla_sweep(now=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            # the ticket's highest escalation level if it has one, else its last mark
            "DELETE FROM tickets_slaevent WHERE id IN (SELECT DISTINCT ON (ticket_id)"
            " id FROM tickets_slaevent WHERE ticket_id = ANY(%s) ORDER BY ticket_id,"
            " kind = 'escalation' DESC, level DESC, id DESC)",
            [chosen],
        )
        cursor.execute(
            "UPDATE tickets_ticket AS t SET next_sla_check_at = now() - interval"
            " '1 minute', escalation_level = coalesce((SELECT max(level) FROM"
            " tickets_slaevent AS e WHERE e.ticket_id = t.id AND e.kind = 'escalation'),"
            " 0) WHERE t.id = ANY(%s)",
            [chosen],
        )
        cursor.execute("VACUUM ANALYZE tickets_slaevent")


def _sweep_op(due, iterations):
    return _sweep_factory(due, iterations, slug="due", each="", make_due=_forget_all_marks)


def _one_mark_op(due, iterations):
    return _sweep_factory(
        due, iterations, slug="one_mark", each="one mark each", make_due=_forget_last_mark
    )


sla_sweep_1000_due = operation(_sweep_op(DUE, 5))
sla_sweep_1000_one_mark = operation(_one_mark_op(DUE, 5))
sla_sweep_10000_one_mark = operation(_one_mark_op(10_000, 3))
sla_sweep_10000_due = operation(_sweep_op(10_000, 3))
sla_sweep_100000_due = operation(_sweep_op(100_000, 1))


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
