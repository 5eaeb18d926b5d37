"""The SLA sweep: marks warnings, breaches and escalation levels as their instants pass.

Safe to run from several workers or beats at once and idempotent: each batch locks the
due rows with ``FOR UPDATE SKIP LOCKED`` (another sweep takes the next rows instead of
waiting), and every mark is an ``SlaEvent`` under a unique constraint. Due rows are
found through the partial index on ``next_sla_check_at``, never by scanning open tickets,
and a sweep that ran late finds everything that came due meanwhile.
"""

import datetime
import json

from django.db import connection, transaction
from django.utils import timezone

from aftersales.platform.models import WebhookEvent
from aftersales.platform.queue import publish_on_commit
from aftersales.platform.services import webhook_emit
from audits.services import audit_records

from .. import sla
from ..calendar import add_working_time
from ..choices import EventKind
from ..models import SlaEvent, SlaPolicy, Ticket, TicketEvent
from ..selectors import dashboard_invalidate
from .intake import ticket_webhook_payload
from .sla import sla_default_policy_ensure
from .sla_notifications import SLA_NOTIFY_TASK

BATCH_SIZE = 500
TICKET_TYPE = Ticket._meta.label_lower  # the audit events' object type
# What a sweep reads of a ticket: its clocks, what it writes back, and the webhook
# payload's codes (``ticket_webhook_payload``). The due tickets are read as ``_Due``
# records of these fields only, so a field read here that is not listed raises.
SWEEP_FIELDS = (
    "sla_policy_id", "sla_paused_at", "status", "version", "escalation_level", "updated_at",
    "next_sla_check_at", "response_warn_at", "response_due_at", "responded_at",
    "cancelled_at", "dispatch_warn_at", "dispatch_due_at", "dispatched_at", "completed_at",
    "resolution_due_at", "follow_up_due_at", "followed_up_at",
    "number", "category", "priority", "customer_id", "product_id",
)  # fmt: skip
EVENT_KINDS = {"warning": EventKind.SLA_WARNING, "breach": EventKind.SLA_BREACH,
               "escalation": EventKind.ESCALATION}  # fmt: skip


class _Due:
    """A due ticket as the sweep reads and writes it: ``pk`` and ``SWEEP_FIELDS`` only.
    Building 1,000 ``Ticket`` instances a sweep cost more Python than its marks; a field
    not listed raises here instead of costing a query per ticket."""

    __slots__ = ("pk", *SWEEP_FIELDS)

    def __init__(self, row):
        for name, value in zip(self.__slots__, row, strict=True):
            setattr(self, name, value)


def sla_sweep(*, now=None, batch_size=BATCH_SIZE):
    """Mark every ticket whose next SLA instant has passed, in batches; returns counts."""
    now = now or timezone.now()
    totals = {"tickets": 0, "marks": 0, "escalations": 0}
    while True:
        counts = _sweep_batch(now=now, batch_size=batch_size)
        for key, value in counts.items():
            totals[key] += value
        if counts["tickets"] < batch_size:
            return totals


class _Policies:
    """Each policy's calendar and level-3 delay, loaded once per batch."""

    def __init__(self):
        self._cache = {}

    def get(self, policy_id):
        if policy_id not in self._cache:
            policy = (
                SlaPolicy.objects.select_related("calendar").filter(pk=policy_id).first()
                or sla_default_policy_ensure()
            )
            level3 = datetime.timedelta(hours=float(policy.level3_after_hours))
            self._cache[policy_id] = (policy.calendar.spec(), level3)
        return self._cache[policy_id]


def _clocks(ticket, spec, level3, *, now):
    def plan(name, warn_at, due_at, stopped_at):
        # Level 3 comes ``level3`` working hours after the breach, never before it: while
        # the breach has not happened by the instant the clock is judged at, level 3 can
        # neither have happened nor be the next instant to look at, so the calendar walk
        # (most of a sweep's Python) is skipped (``sla.ClockPlan``).
        judged_at = stopped_at or ticket.sla_paused_at or now
        level3_at = add_working_time(due_at, level3, spec) if due_at <= judged_at else None
        return sla.ClockPlan(name=name, warn_at=warn_at, due_at=due_at, level3_at=level3_at,
                             stopped_at=stopped_at)  # fmt: skip

    clocks = [
        plan("response", ticket.response_warn_at, ticket.response_due_at,
             ticket.responded_at or ticket.cancelled_at),
        plan("dispatch", ticket.dispatch_warn_at, ticket.dispatch_due_at,
             ticket.dispatched_at or ticket.completed_at or ticket.cancelled_at),
    ]  # fmt: skip
    if ticket.resolution_due_at:
        clocks.append(plan("resolution", None, ticket.resolution_due_at,
                           ticket.completed_at or ticket.cancelled_at))  # fmt: skip
    if ticket.follow_up_due_at:
        clocks.append(plan("follow_up", None, ticket.follow_up_due_at, ticket.followed_up_at))
    return clocks


def _insert(model, columns, rows, on_conflict=""):
    """Many rows in one INSERT. At a thousand tickets a sweep writes thousands of marks
    and timeline rows; building model instances for ``bulk_create`` cost most of the time,
    and then formatting each row into the SQL (``execute_values``) a fifth of what was
    left: on PostgreSQL the rows go as one array per column (``unnest``)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        for obj in objects:  # JSON columns arrive serialised for the SQL path
            if isinstance(getattr(obj, "payload", None), str):
                obj.payload = json.loads(obj.payload)
        model.objects.bulk_create(objects, ignore_conflicts=bool(on_conflict))
        return
    types = [model._meta.get_field(column.removesuffix("_id")).db_type(connection)
             for column in columns]  # fmt: skip
    arrays = ", ".join(f"%s::{db_type}[]" for db_type in types)
    # bandit B608: the table, the columns, their types and ON CONFLICT come from the
    # model's metadata and this module's literals, never from input; the rows are bound.
    sql = (f"INSERT INTO {model._meta.db_table} ({', '.join(columns)})"  # nosec B608
           f" SELECT * FROM unnest({arrays}) {on_conflict}")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])


def _save(tickets):
    """Write back the batch in one statement. Django's ``bulk_update`` builds a CASE per
    column and row, which cost PostgreSQL more than the rest of the sweep together."""
    fields = ["next_sla_check_at", "escalation_level", "version", "updated_at"]
    if connection.vendor != "postgresql":
        Ticket.objects.bulk_update(
            [Ticket(pk=t.pk, **{field: getattr(t, field) for field in fields}) for t in tickets],
            fields,
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_ticket AS t SET next_sla_check_at = v.next_at,"
            " escalation_level = v.level, version = v.version, updated_at = v.updated_at"
            " FROM unnest(%s::bigint[], %s::timestamptz[], %s::integer[], %s::integer[],"
            " %s::timestamptz[]) AS v(id, next_at, level, version, updated_at)"
            " WHERE t.id = v.id",
            [[t.pk for t in tickets], [t.next_sla_check_at for t in tickets],
             [t.escalation_level for t in tickets], [t.version for t in tickets],
             [t.updated_at for t in tickets]],
        )  # fmt: skip


def _commit_without_waiting_for_disk():
    """The batch's commit does not wait for its WAL to reach the disk (PostgreSQL's
    ``synchronous_commit = off``, for this transaction only). A 1,000-ticket sweep writes
    thousands of rows and its commits were half its time on a busy disk. Safe because the
    sweep is idempotent and atomic: a crash within the next few hundred milliseconds can
    lose a whole batch (marks, timeline, audit, outbox and the tickets' next checks
    together, never part of it), and the next sweep finds the same tickets due and marks
    them again; the notification task reads the marks from the database, so it finds
    nothing of a lost batch to send."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _marks_done(ticket_ids):
    """The marks the tickets already have, as (ticket id, kind, clock, level). On
    PostgreSQL the ids go as one array (``= ANY``): an ``IN`` list of 500 placeholders
    cost the database three times as much to parse and plan as to answer."""
    if connection.vendor != "postgresql":
        return set(
            SlaEvent.objects.filter(ticket_id__in=ticket_ids).values_list(
                "ticket_id", "kind", "clock", "level"
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ticket_id, kind, clock, level FROM {SlaEvent._meta.db_table}"  # nosec B608
            " WHERE ticket_id = ANY(%s)",
            [ticket_ids],
        )
        return set(cursor.fetchall())


@transaction.atomic
def _sweep_batch(*, now, batch_size):
    _commit_without_waiting_for_disk()
    tickets = [
        _Due(row)
        for row in Ticket.objects.filter(next_sla_check_at__lte=now)
        .order_by("next_sla_check_at")
        .select_for_update(skip_locked=True, of=("self",))
        .values_list("pk", *SWEEP_FIELDS)[:batch_size]
    ]
    if not tickets:
        return {"tickets": 0, "marks": 0, "escalations": 0}
    done = _marks_done([t.pk for t in tickets])
    policies = _Policies()
    new_marks, timeline, audits, escalations = [], [], [], 0
    for ticket in tickets:
        spec, level3 = policies.get(ticket.sla_policy_id)
        marks, next_at = sla.sla_marks(
            _clocks(ticket, spec, level3, now=now), now=now, paused_at=ticket.sla_paused_at
        )
        fresh = sorted(m for m in marks if (ticket.pk, *m) not in done)
        ticket.next_sla_check_at = next_at
        if not fresh:
            continue
        level = max((lvl for kind, _, lvl in fresh if kind == "escalation"), default=0)
        if level > ticket.escalation_level:
            ticket.escalation_level = level
            escalations += 1
        ticket.version += 1  # every writer bumps the version (see lifecycle._apply)
        ticket.updated_at = now
        for kind, clock, lvl in fresh:
            new_marks.append((ticket.pk, kind, clock, lvl, now, now))
            payload = json.dumps({"clock": clock, "level": lvl})
            timeline.append((ticket.pk, EVENT_KINDS[kind], f"sla_{kind}", "", "", payload, now))
        audits.append({"action": "ticket.sla_marked", "object_type": TICKET_TYPE,
                       "object_id": ticket.pk, "ticket_id": ticket.pk,
                       "changes": {"marks": [list(m) for m in fresh],
                                   "escalation_level": ticket.escalation_level}})  # fmt: skip
    # The unique constraint is the last word: a mark another process made is skipped.
    _insert(SlaEvent, ["ticket_id", "kind", "clock", "level", "due_at", "created_at"],
            new_marks, on_conflict="ON CONFLICT DO NOTHING")  # fmt: skip
    _insert(TicketEvent,
            ["ticket_id", "kind", "action", "from_status", "to_status", "payload", "created_at"],
            timeline)  # fmt: skip
    audit_records(actor=None, records=audits)
    _save(tickets)
    if new_marks:
        by_id = {t.pk: t for t in tickets}
        for kind, event in (
            ("warning", WebhookEvent.SLA_WARNING),
            ("breach", WebhookEvent.SLA_BREACHED),
        ):
            webhook_emit(  # a generator: built only when someone subscribed
                event=event,
                payloads=(
                    ticket_webhook_payload(by_id[pk], clock=clock, at=at)
                    for pk, mark_kind, clock, _level, at, _created in new_marks
                    if mark_kind == kind
                ),
            )
        publish_on_commit(SLA_NOTIFY_TASK)
        transaction.on_commit(dashboard_invalidate, robust=True)
    return {"tickets": len(tickets), "marks": len(new_marks), "escalations": escalations}
