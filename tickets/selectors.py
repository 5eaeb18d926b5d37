"""Reads shared by the API, the pages and the reports."""

import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Avg,
    BooleanField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from aftersales.platform.models import Notification
from aftersales.roles import Role, has_role
from audits.models import AuditEvent
from audits.personal import KeyRing, event_changes
from audits.services.trail import plain

from .choices import (
    OPEN_STATUSES,
    EventKind,
    Priority,
    SlaState,
    TicketCategory,
)
from .models import (
    Customer,
    FaultCode,
    Product,
    SlaPolicy,
    Ticket,
    TicketAttachment,
    TicketEvent,
)


def ticket_list(*, user):
    """Tickets the user may see, with what the list serializer reads joined in."""
    return Ticket.objects.visible_to(user).with_related()


def ticket_events(*, ticket):
    return (
        TicketEvent.objects.filter(ticket=ticket)
        .select_related("actor")
        .order_by("created_at", "id")
    )


def last_on_my_way(*, ticket):
    """The latest "on my way" of ``ticket`` (its estimate), or None."""
    return ticket.events.filter(kind=EventKind.ON_MY_WAY).order_by("-id").first()


def customer_list(*, user, phone=None, for_filing=False):
    """The customers ``user`` may read (or, ``for_filing``, file a ticket for)."""
    if for_filing:
        return Customer.objects.fileable_by(user).select_related("area")
    return Customer.objects.visible_to(user, phone=phone).select_related("area")


def customer_tickets(*, user, customer):
    """``customer``'s tickets that ``user`` may see, newest first, with their units: the
    service history of the customer page and intake, in one query (the
    ``ticket_customer_created`` index)."""
    return (
        ticket_list(user=user)
        .with_product()
        .filter(customer=customer)
        .order_by("-created_at", "-id")
    )


def open_tickets_of(*, customer, product=None):
    """The open tickets of ``customer`` (of one unit when ``product`` is given), newest
    first: what intake warns about before a second ticket is recorded for the same fault."""
    tickets = Ticket.objects.open().filter(customer=customer)
    if product is not None:
        tickets = tickets.filter(product=product)
    return tickets.order_by("-created_at", "-id")


# The customer's record changes the customer page lists (reads and lookups are not changes).
CUSTOMER_RECORD_ACTIONS = (
    "customer.created",
    "customer.updated",
    "customer.corrected",
    "customer.consent_withdrawn",
    "customer.erased",
    # What an intake submitted that differs from the record (kept as it was): to check.
    "customer.intake_differs",
)


def customer_record_events(*, customer, limit=20):
    """The latest changes to ``customer``'s record in the audit trail, newest first (one
    query on the ``audit_object_time`` index); their values still encrypted."""
    return (
        AuditEvent.objects.filter(
            object_type="tickets.customer",
            object_id=str(customer.pk),
            action__in=CUSTOMER_RECORD_ACTIONS,
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )


def customer_details_visible(user, customer):
    """Whether ``user`` may read ``customer``'s details (name, e-mail, address, …).

    Everyone who may see the customer at all, except an integrator looking at a customer
    it did not register: a phone lookup tells it only that the customer exists and their
    id, to file a ticket with (never who they are)."""
    if user.is_superuser or has_role(user, Role.AGENT, Role.SUPERVISOR, Role.AUDITOR):
        return True
    if has_role(user, Role.TECHNICIAN) and not has_role(user, Role.INTEGRATOR):
        return True
    return customer.created_by_id == user.pk


def customer_data(*, customer):
    """Everything held about ``customer`` (the right of access), as plain JSON-safe data:
    the customer, their products, tickets with their timelines, the messages sent to them
    and the audit events about them and their tickets and products, decrypted."""
    products = list(customer.products.select_related("model").order_by("id"))
    tickets = list(Ticket.objects.filter(customer=customer).order_by("id"))
    events = TicketEvent.objects.filter(ticket__in=tickets).order_by(
        "ticket_id", "created_at", "id"
    )
    timeline = {}
    for event in events:
        timeline.setdefault(event.ticket_id, []).append(
            {
                "kind": event.kind,
                "action": event.action,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "payload": plain(event.payload),
                "created_at": plain(event.created_at),
            }
        )
    audit = AuditEvent.objects.filter(
        Q(object_type="tickets.customer", object_id=str(customer.pk))
        | Q(object_type="tickets.product", object_id__in=[str(p.pk) for p in products])
        | Q(ticket__in=tickets)
    ).order_by("created_at", "id")
    keys = KeyRing()
    messages = Notification.objects.filter(customer=customer).order_by("created_at", "id")
    return {
        "customer": {
            "id": customer.pk,
            **{
                name: plain(getattr(customer, name))
                for name in (
                    "name",
                    "phone",
                    "email",
                    "address",
                    "tier",
                    "consent_service",
                    "consent_marketing",
                    "language",
                    "erased_at",
                    "created_at",
                    "updated_at",
                )
            },
            "area": customer.area.code if customer.area_id else None,
        },
        "products": [
            {
                "id": p.pk,
                "model": p.model.code,
                "serial_number": p.serial_number,
                "purchase_date": plain(p.purchase_date),
                "warranty_until": plain(p.warranty_until),
            }
            for p in products
        ],
        "tickets": [
            {
                "id": t.pk,
                "number": t.number,
                "status": t.status,
                "category": t.category,
                "channel": t.channel,
                "description": t.description,
                "created_at": plain(t.created_at),
                "closed_at": plain(t.closed_at),
                "events": timeline.get(t.pk, []),
            }
            for t in tickets
        ],
        "messages": [
            {
                "kind": m.kind,
                "channel": m.channel,
                "status": m.status,
                "address": m.address,
                "subject": m.subject,
                "body": m.body,
                "created_at": plain(m.created_at),
            }
            for m in messages
        ],
        "audit_events": [
            {
                "id": e.pk,
                "created_at": plain(e.created_at),
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "changes": event_changes(e, may_see=True, keys=keys),
            }
            for e in audit
        ],
    }


def product_list(*, user):
    """Units of the customers ``user`` may see (all of them for the desk: no semi-join)."""
    products = Product.objects.select_related("model", "customer")
    customers = Customer.objects.visible_to(user)
    if customers.query.has_filters():
        products = products.filter(customer__in=customers.values("pk"))
    return products


def can_see_phone(user, *, customer=None, ticket=None):
    """Desk roles see full phone numbers; a technician sees them on jobs assigned to them.

    Auditors and integrators get masked numbers (collect and show only what the role needs).
    """
    if has_role(user, Role.AGENT, Role.SUPERVISOR):
        return True
    if ticket is not None and has_role(user, Role.TECHNICIAN):
        return ticket.technician_id is not None and ticket.technician.user_id == user.pk
    return False


def sla_state_q(state, *, now=None):
    """The database form of ``Ticket.sla_state`` (tickets.sla), for filtering lists.

    Mirrors the pure functions: a clock stops at its stop event; a paused ticket is
    judged as of its pause instant; breached beats at risk beats on track beats met.
    """
    now = now or timezone.now()
    at = Coalesce(F("sla_paused_at"), Value(now))
    response_stop = Coalesce(F("responded_at"), F("cancelled_at"))
    dispatch_stop = Coalesce(F("dispatched_at"), F("completed_at"), F("cancelled_at"))
    breached = Q(response_due_at__lt=Coalesce(response_stop, at)) | Q(
        dispatch_due_at__lt=Coalesce(dispatch_stop, at)
    )
    response_running = Q(responded_at__isnull=True, cancelled_at__isnull=True)
    dispatch_running = Q(
        dispatched_at__isnull=True, completed_at__isnull=True, cancelled_at__isnull=True
    )
    at_risk = (response_running & Q(response_warn_at__lte=at)) | (
        dispatch_running & Q(dispatch_warn_at__lte=at)
    )
    met = ~response_running & ~dispatch_running
    # A running clock means an open ticket (closing or cancelling stops both clocks); saying
    # so lets PostgreSQL start from the open tickets (status index) instead of the whole table.
    is_open = Q(status__in=OPEN_STATUSES)
    if state == SlaState.BREACHED:
        return breached
    if state == SlaState.AT_RISK:
        return is_open & ~breached & at_risk
    if state == SlaState.MET:
        return ~breached & met
    return is_open & ~breached & ~at_risk & ~met


DASHBOARD_GENERATION_KEY = "tickets:dashboard:generation"
DASHBOARD_TTL_SECONDS = 60


def dashboard_invalidate():
    """Called on commit of every ticket write: the next dashboard read recomputes."""
    cache.add(DASHBOARD_GENERATION_KEY, 0, timeout=None)
    try:
        cache.incr(DASHBOARD_GENERATION_KEY)
    except ValueError:  # evicted between add and incr
        cache.set(DASHBOARD_GENERATION_KEY, 1, timeout=None)


def dashboard_summary(*, now=None):
    """Backlog and today's flow for the desk's dashboard, in three indexed queries.

    Cached until a ticket changes (services bump a generation on commit), and for at
    most DASHBOARD_TTL_SECONDS, because SLA states also change with the clock alone.
    """
    generation = cache.get(DASHBOARD_GENERATION_KEY, 0)
    key = f"tickets:dashboard:{generation}"
    summary = cache.get(key) if now is None else None
    if summary is None:
        summary = _dashboard_compute(now or timezone.now())
        if now is None:
            cache.set(key, summary, DASHBOARD_TTL_SECONDS)
    return summary


def _dashboard_compute(now):
    # One pass over the open tickets (the status index) for the backlog and its SLA.
    open_counts = Ticket.objects.open().aggregate(
        total=Count("id"),
        **{f"status_{s}": Count("id", filter=Q(status=s)) for s in OPEN_STATUSES},
        **{f"priority_{p}": Count("id", filter=Q(priority=p)) for p in Priority.values},
        at_risk=Count("id", filter=sla_state_q(SlaState.AT_RISK, now=now)),
        breached=Count("id", filter=sla_state_q(SlaState.BREACHED, now=now)),
        escalated=Count("id", filter=Q(escalation_level__gt=0)),
        paused=Count("id", filter=Q(sla_paused_at__isnull=False)),
    )
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "generated_at": now.isoformat(),
        "open": {
            "total": open_counts["total"],
            "by_status": {s: open_counts[f"status_{s}"] for s in OPEN_STATUSES},
            "by_priority": {p: open_counts[f"priority_{p}"] for p in Priority.values},
            "at_risk": open_counts["at_risk"],
            "breached": open_counts["breached"],
            "escalated": open_counts["escalated"],
            "paused": open_counts["paused"],
        },
        "today": {
            "opened": Ticket.objects.filter(created_at__gte=day_start).count(),
            "closed": Ticket.objects.filter(closed_at__gte=day_start).count(),
        },
    }


def sla_policy_for(*, priority, category, customer_tier):
    """The active policy that matches and names the most criteria; the default otherwise.

    Ties between equally specific policies go to the oldest (lowest id), so the choice is
    stable. One query over the (few) active policies.
    """
    policies = list(SlaPolicy.objects.active().select_related("calendar").order_by("id"))
    matching = [
        p for p in policies
        if not p.is_default
        and p.matches(priority=priority, category=category, customer_tier=customer_tier)
    ]  # fmt: skip
    if matching:
        return max(matching, key=lambda p: (p.specificity, -p.pk))
    default = next((p for p in policies if p.is_default), None)
    if default is None:
        raise SlaPolicy.DoesNotExist("No default SLA policy: create one in the admin.")
    return default


def sla_clock_qs(*, now):
    """The response and dispatch clocks as filters: ``(decided, met)``, each a dict of Q.

    A clock is decided once stopped (on time = met) or still running past its due
    instant (breached). Shared by ``sla_met_rates`` and the KPI report (audits).
    """
    at = Coalesce(F("sla_paused_at"), Value(now))
    response_stop = Coalesce(F("responded_at"), F("cancelled_at"))
    dispatch_stop = Coalesce(F("dispatched_at"), F("completed_at"), F("cancelled_at"))
    decided = {
        "response": Q(responded_at__isnull=False) | Q(response_due_at__lt=at),
        "dispatch": Q(dispatched_at__isnull=False)
        | Q(completed_at__isnull=False)
        | Q(dispatch_due_at__lt=at),
    }
    met = {
        "response": Q(responded_at__isnull=False, response_due_at__gte=response_stop),
        "dispatch": (Q(dispatched_at__isnull=False) | Q(completed_at__isnull=False))
        & Q(dispatch_due_at__gte=dispatch_stop),
    }
    return decided, met


def sla_met_rates(*, start, end, now=None):
    """Response- and dispatch-SLA met % for the tickets received in [start, end).

    A clock counts once it is decided: stopped (on time = met) or still running past its
    due instant (breached). Clocks still running within their target are left out.
    One aggregate query over the period (the created_at index).
    """
    decided, met = sla_clock_qs(now=now or timezone.now())
    row = Ticket.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        tickets=Count("id"),
        **{f"{c}_decided": Count("id", filter=decided[c]) for c in decided},
        **{f"{c}_met": Count("id", filter=met[c]) for c in met},
    )

    def pct(clock):
        total = row[f"{clock}_decided"]
        return round(100 * row[f"{clock}_met"] / total, 1) if total else None

    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "tickets": row["tickets"],
        "response": {"decided": row["response_decided"], "met": row["response_met"],
                     "met_pct": pct("response")},
        "dispatch": {"decided": row["dispatch_decided"], "met": row["dispatch_met"],
                     "met_pct": pct("dispatch")},
    }  # fmt: skip


REPEAT_WINDOW = datetime.timedelta(days=30)


def _later_visits():
    """The tickets for the outer job's product opened within ``REPEAT_WINDOW`` after its
    completion (a range of ``ticket_product_created``)."""
    return Ticket.objects.filter(
        product_id=OuterRef("product_id"),
        created_at__gt=OuterRef("completed_at"),
        created_at__lte=ExpressionWrapper(
            OuterRef("completed_at") + REPEAT_WINDOW, output_field=DateTimeField()
        ),
    )


def repeat_visit_probe():
    """Was another ticket for the same product opened within ``REPEAT_WINDOW`` after the
    outer job's completion? The definition of ``Ticket.repeat_visit``; the triggers that
    keep the column (migration 0035) ask the same, and the tests compare the two."""
    return Exists(_later_visits())


def first_time_fix_marks():
    """Quality marks of a job, as boolean expressions over the outer ticket.

    ``refused``: the customer refused the confirmation at least once (the job was redone;
    ``Ticket.confirmations_refused``, counted by ``ticket_confirm``); ``repeated``: another
    ticket for the same product opened within 30 days after the job was completed
    (``Ticket.repeat_visit``); ``complained``: one of those was a complaint. A first-time
    fix is a closed job with neither ``refused`` nor ``repeated`` — the one definition the
    technician statistics, the dispatch ranking and the KPI report share. Both are columns
    of the job's own row: the refusal was a probe into each monthly partition of the
    timeline, the repeat one into the product's tickets, most of the ranking's time. On
    SQLite (``make run``), where no trigger keeps ``repeat_visit``, ``repeated`` is the
    probe itself; ``complained`` (the technician statistics only) is always probed.
    """
    if connection.vendor == "postgresql":
        repeated = ExpressionWrapper(Q(repeat_visit=True), output_field=BooleanField())
    else:
        repeated = repeat_visit_probe()
    return {
        "refused": ExpressionWrapper(Q(confirmations_refused__gt=0), output_field=BooleanField()),
        "repeated": repeated,
        "complained": Exists(_later_visits().filter(category=TicketCategory.COMPLAINT)),
    }


def work_order_summary(ticket):
    """What the customer reads before signing and the work order prints: the parts used
    (free or charged, each line's amount), the total to pay, the fault code's words and
    the end of the repair's own warranty (``REPAIR_WARRANTY_DAYS`` from the completion).
    Two queries whatever the number of parts."""
    lines = list(ticket.parts.select_related("part").order_by("id"))
    total = sum((line.amount for line in lines), start=0)
    fault = None
    if ticket.fault_code:
        codes = FaultCode.objects.filter(code=ticket.fault_code)
        if ticket.product_id:
            codes = codes.filter(category_id=ticket.product.model.category_id)
        fault = codes.order_by("id").first()
    done = ticket.completed_at or timezone.now()
    warranty_until = timezone.localtime(done).date() + datetime.timedelta(
        days=settings.REPAIR_WARRANTY_DAYS
    )
    return {
        "lines": lines,
        "total": total,
        "any_charged": any(line.charged for line in lines),
        "fault": fault,
        "warranty_until": warranty_until,
        "warranty_days": settings.REPAIR_WARRANTY_DAYS,
    }


def work_order_attachment(ticket):
    """The stored signed work order of ``ticket`` (a document attachment), or None."""
    return (
        TicketAttachment.objects.filter(ticket=ticket, kind="document", caption="work_order")
        .order_by("id")
        .first()
    )


# The KPIs (the KPI report, audits.quality; the partner scorecards, technicians.outlets).
def kpi_pct(part, whole):
    return round(100 * part / whole, 1) if whole else None


def kpi_opened_conditions(*, now=None):
    """Which tickets *opened* in a period count towards each KPI figure, as filters: the
    one definition the live figures below and the daily rollups (``tickets.rollups``)
    share."""
    decided, met = sla_clock_qs(now=now or timezone.now())
    return {
        "complaints": Q(category=TicketCategory.COMPLAINT),
        "response_decided": decided["response"],
        "response_met": met["response"],
        "dispatch_decided": decided["dispatch"],
        "dispatch_met": met["dispatch"],
    }


def kpi_closed_conditions():
    """Which tickets *closed* in a period count towards each KPI figure, as filters, and
    the satisfaction answer of a ticket (follow-up answer, else the confirmation's)."""
    marks = first_time_fix_marks()
    return {
        "first_time_fixes": Q(~marks["refused"], ~marks["repeated"]),
        "complete_records": ~Q(fault_code="")
        & ~Q(confirmation_signature="")
        & (Q(satisfaction__isnull=False) | Q(follow_up_satisfaction__isnull=False)),
    }, Coalesce("follow_up_satisfaction", "satisfaction")


def kpi_opened_figures(*, now=None):
    """The KPI counts over tickets *opened* in a period, as ``annotate()`` arguments: the
    one definition the report (``kpi_rows``) and a technician's weeks
    (``audits.quality.performance``) and the outlets' scorecards share."""
    return {
        "opened": Count("id"),
        **{
            name: Count("id", filter=condition)
            for name, condition in kpi_opened_conditions(now=now).items()
        },
    }


def kpi_closed_figures():
    """The KPI counts over tickets *closed* in a period, as ``annotate()`` arguments (see
    ``kpi_opened_figures``)."""
    conditions, satisfaction = kpi_closed_conditions()
    return {
        "closed": Count("id"),
        "first_time_fixes": Count("id", filter=conditions["first_time_fixes"]),
        "avg_satisfaction": Avg(satisfaction),
        "satisfaction_answers": Count(satisfaction),
        "complete_records": Count("id", filter=conditions["complete_records"]),
    }


def kpi_row(key, label, figures):
    get = figures.get
    return {
        "key": key,
        "label": label,
        "opened": get("opened", 0),
        "closed": get("closed", 0),
        "complaints": get("complaints", 0),
        "response_sla_met_pct": kpi_pct(get("response_met", 0), get("response_decided", 0)),
        "dispatch_sla_met_pct": kpi_pct(get("dispatch_met", 0), get("dispatch_decided", 0)),
        "first_time_fix_pct": kpi_pct(get("first_time_fixes", 0), get("closed", 0)),
        "avg_satisfaction": (
            round(float(get("avg_satisfaction")), 2)
            if get("avg_satisfaction") is not None
            else None
        ),
        "record_completeness_pct": kpi_pct(get("complete_records", 0), get("closed", 0)),
        "response_decided": get("response_decided", 0),
        "response_met": get("response_met", 0),
        "dispatch_decided": get("dispatch_decided", 0),
        "dispatch_met": get("dispatch_met", 0),
        "first_time_fixes": get("first_time_fixes", 0),
        "satisfaction_answers": get("satisfaction_answers", 0),
        "complete_records": get("complete_records", 0),
    }
