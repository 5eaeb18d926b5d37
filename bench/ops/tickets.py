"""Ticket operations: intake, lists, detail, a transition, the timeline, dispatch candidates."""

import datetime

from django.utils import timezone

from aftersales.dates import local_day_bounds
from bench.harness import Operation, operation
from tickets import services
from tickets.models import Customer

# The columns the ticket representation shows, joined the way a hand-written query would.
TICKET_SELECT = """
SELECT t.*, c.name, c.phone, c.address, c.tier, a.code, o.username, tech.full_name,
       tech.user_id
FROM tickets_ticket t
JOIN tickets_customer c ON c.id = t.customer_id
LEFT JOIN tickets_area a ON a.id = c.area_id
JOIN auth_user o ON o.id = t.owner_id
LEFT JOIN technicians_technician tech ON tech.id = t.technician_id
"""
PAGE = " ORDER BY t.created_at DESC, t.id DESC LIMIT 51"
# An open ticket with a running clock past its warning but not its due time (unpaused).
AT_RISK_SQL = (
    "t.status IN ('new','triaged','dispatched','on_site','awaiting_confirmation')"
    " AND t.sla_paused_at IS NULL AND ("
    "(t.responded_at IS NULL AND now() >= t.response_warn_at AND now() <= t.response_due_at)"
    " OR (t.dispatched_at IS NULL AND t.completed_at IS NULL"
    " AND now() >= t.dispatch_warn_at AND now() <= t.dispatch_due_at))"
)


def _ok(response, status=200):
    if response.status_code != status:
        raise AssertionError(f"{response.status_code}: {response.content[:300]!r}")
    return response


def _floor(sql, params=None):
    def run(cursor, i):
        cursor.execute(sql, params(i) if callable(params) else params or [])
        return cursor.fetchall()

    return run


def _list(ctx, name, query, where, params=None, role="agent"):
    client = ctx.api[role]
    return Operation(
        name=name,
        run=lambda i: _ok(client.get("/api/v1/tickets/", query(i) if callable(query) else query)),
        floor=_floor(TICKET_SELECT + where + PAGE, params),
    )


@operation
def ticket_list_newest(ctx):
    return _list(ctx, "ticket list, newest 50 (API)", {}, "")


@operation
def ticket_list_status_priority(ctx):
    return _list(
        ctx,
        "ticket list, status+priority (API)",
        {"status": "triaged", "priority": "p2"},
        " WHERE t.status = 'triaged' AND t.priority = 'p2'",
    )


@operation
def ticket_list_area_status(ctx):
    return _list(
        ctx,
        "ticket list, area+status (API)",
        {"area": "area-007", "status": "dispatched"},
        " WHERE t.area_id = (SELECT id FROM tickets_area WHERE code = 'area-007')"
        " AND t.status = 'dispatched'",
    )


@operation
def ticket_list_search_phone(ctx):
    phones = list(
        Customer.objects.filter(pk__in=ctx.customer_ids[:200]).values_list("phone", flat=True)
    )
    return _list(
        ctx,
        "ticket list, search phone (API)",
        lambda i: {"search": ctx.pick(phones, i)},
        " WHERE c.phone = %s",
        lambda i: [ctx.pick(phones, i)],
    )


@operation
def ticket_list_sla_at_risk(ctx):
    return _list(
        ctx,
        "ticket list, sla_state=at_risk (API)",
        {"sla_state": "at_risk"},
        " WHERE " + AT_RISK_SQL,
    )


@operation
def ticket_list_area_at_risk(ctx):
    return _list(
        ctx,
        "ticket list, area+sla_state=at_risk (API)",
        {"area": "area-007", "sla_state": "at_risk"},
        " WHERE t.area_id = (SELECT id FROM tickets_area WHERE code = 'area-007') AND "
        + AT_RISK_SQL,
    )


@operation
def ticket_list_technician(ctx):
    user_id = ctx.users["technician"].pk
    return _list(
        ctx,
        "ticket list as technician (API)",
        {},
        " WHERE tech.user_id = %s",
        [user_id],
        role="technician",
    )


@operation
def ticket_list_page(ctx):
    return Operation(
        name="ticket list page, status filter (HTML)",
        run=lambda i: _ok(ctx.page.get("/tickets/", {"status": "triaged"})),
        floor=_floor(TICKET_SELECT + " WHERE t.status = 'triaged'" + PAGE),
    )


@operation
def ticket_detail(ctx):
    client = ctx.api["agent"]
    return Operation(
        name="ticket detail (API)",
        run=lambda i: _ok(client.get(f"/api/v1/tickets/{ctx.pick(ctx.ticket_ids, i)}/")),
        floor=_floor(TICKET_SELECT + " WHERE t.id = %s", lambda i: [ctx.pick(ctx.ticket_ids, i)]),
    )


@operation
def ticket_events(ctx):
    client = ctx.api["agent"]
    return Operation(
        name="ticket timeline (API)",
        run=lambda i: _ok(client.get(f"/api/v1/tickets/{ctx.pick(ctx.ticket_ids, i)}/events/")),
        floor=_floor(
            "SELECT e.*, u.username FROM tickets_ticketevent e LEFT JOIN auth_user u "
            "ON u.id = e.actor_id WHERE e.ticket_id = %s ORDER BY e.created_at, e.id",
            lambda i: [ctx.pick(ctx.ticket_ids, i)],
        ),
    )


INTAKE_FLOOR = """
WITH seq AS (
  UPDATE tickets_ticketnumbersequence SET last_value = last_value + 1
  WHERE year = %(year)s RETURNING last_value
), t AS (
  INSERT INTO tickets_ticket (number, status, version, customer_id, product_id, channel,
    category, description, priority, fault_class, warranty_decision, owner_id, created_by_id,
    fault_code, diagnosis, work_done, resolution, confirmation_signature, confirmation_comment,
    follow_up_comment, cancel_reason, response_due_at, response_warn_at, dispatch_due_at,
    dispatch_warn_at, escalation_level, created_at, updated_at)
  SELECT 'FL-' || %(year)s || '-' || lpad(seq.last_value::text,
                                         greatest(6, length(seq.last_value::text)), '0'),
    'new', 1, %(customer)s,
    %(customer)s, 'phone', 'repair', 'Not cooling', 'p3', '', '', %(owner)s, %(owner)s,
    '', '', '', '', '', '', '', '', now() + interval '24 hours', now() + interval '18 hours',
    now() + interval '48 hours', now() + interval '36 hours', 0, now(), now()
  FROM seq RETURNING id, number
), e AS (
  INSERT INTO tickets_ticketevent (ticket_id, kind, action, from_status, to_status, actor_id,
    payload, created_at)
  SELECT id, 'created', '', '', 'new', %(owner)s, '{}', now() FROM t
), a AS (
  INSERT INTO audits_auditevent (created_at, actor_id, action, object_type, object_id,
    ticket_id, changes, source, request_id)
  SELECT now(), %(owner)s, 'ticket.created', 'tickets.ticket', id::text, id, '{}', 'api', ''
  FROM t
)
SELECT t.*, c.name FROM t JOIN tickets_customer c ON c.id = %(customer)s
"""


@operation
def ticket_intake(ctx):
    client = ctx.api["agent"]
    owner = ctx.users["agent"].pk
    year = timezone.localdate().year

    def run(i):
        customer = ctx.pick(ctx.customer_ids, i)
        return _ok(
            client.post(
                "/api/v1/tickets/",
                {
                    "customer": customer,
                    "product": customer,
                    "channel": "phone",
                    "category": "repair",
                    "description": "Benchmark: not cooling",
                },
                format="json",
            ),
            201,
        )

    return Operation(
        name="ticket intake (API)",
        run=run,
        iterations=50,
        floor=_floor(
            INTAKE_FLOOR,
            lambda i: {"year": year, "owner": owner, "customer": ctx.pick(ctx.customer_ids, i)},
        ),
    )


TRIAGE_FLOOR = """
WITH u AS (
  UPDATE tickets_ticket SET status = 'triaged', version = version + 1, priority = 'p2',
    warranty_decision = 'out_of_warranty', triaged_at = now(),
    responded_at = COALESCE(responded_at, now()), updated_at = now()
  WHERE id = %(id)s AND status = 'new' AND version = 1 RETURNING id
), e AS (
  INSERT INTO tickets_ticketevent (ticket_id, kind, action, from_status, to_status, actor_id,
    payload, created_at)
  SELECT id, 'transition', 'triage', 'new', 'triaged', %(actor)s, '{}', now() FROM u
), a AS (
  INSERT INTO audits_auditevent (created_at, actor_id, action, object_type, object_id,
    ticket_id, changes, source, request_id)
  SELECT now(), %(actor)s, 'ticket.triage', 'tickets.ticket', id::text, id, '{}', 'api', ''
  FROM u
)
SELECT t.* FROM tickets_ticket t JOIN u ON u.id = t.id
"""


def _fresh_tickets(ctx, count):
    agent = ctx.users["agent"]
    customers = Customer.objects.filter(pk__in=ctx.customer_ids[:count])
    return [
        services.ticket_create(
            actor=agent,
            customer=c,
            channel="phone",
            category="repair",
            description="Benchmark pool",
        ).pk
        for c in customers
    ]


@operation
def ticket_triage(ctx):
    client = ctx.api["agent"]
    iterations = 50
    api_pool = _fresh_tickets(ctx, iterations + 4)
    floor_pool = _fresh_tickets(ctx, iterations + 4)
    actor = ctx.users["agent"].pk

    def run(i):
        ticket_id = api_pool.pop()
        return _ok(
            client.post(
                f"/api/v1/tickets/{ticket_id}/triage/",
                {"priority": "p2"},  # the warranty decision is derived
                format="json",
                HTTP_IF_MATCH='"1"',
            )
        )

    return Operation(
        name="ticket transition: triage (API)",
        run=run,
        iterations=iterations,
        floor=_floor(TRIAGE_FLOOR, lambda i: {"id": floor_pool.pop(), "actor": actor}),
    )


CANDIDATES_FLOOR = """
SELECT tech.id, tech.full_name, tech.employee_no, tech.max_jobs_per_day,
       %(area)s = ANY(array_agg(ta.area_id)) AS covers, COALESCE(b.n, 0) AS booked,
       cert.technician_id IS NOT NULL AS certified, ab.technician_id IS NOT NULL AS absent
FROM technicians_technician tech
JOIN technicians_technician_areas ta ON ta.technician_id = tech.id
LEFT JOIN (
  SELECT technician_id, count(*) AS n FROM tickets_ticket
  WHERE appointment_start >= %(start)s AND appointment_start < %(end)s
    AND status <> 'cancelled'
  GROUP BY technician_id
) b ON b.technician_id = tech.id
LEFT JOIN (
  SELECT DISTINCT c.technician_id FROM technicians_certification c
  JOIN technicians_certificationtype_categories tc ON tc.certificationtype_id = c.type_id
  WHERE tc.productcategory_id = %(category)s AND c.revoked_at IS NULL
    AND c.issued_on <= %(day)s AND c.expires_on >= %(day)s
) cert ON cert.technician_id = tech.id
LEFT JOIN (
  SELECT DISTINCT technician_id FROM technicians_absence
  WHERE starts_on <= %(day)s AND ends_on >= %(day)s
) ab ON ab.technician_id = tech.id
WHERE tech.active
GROUP BY tech.id, b.n, cert.technician_id, ab.technician_id
ORDER BY covers DESC, booked, tech.employee_no
"""


def _ticket_with_product(ctx):
    """A fresh ticket for a registered product, so the certificate check has a category."""
    customer = Customer.objects.filter(pk__in=ctx.customer_ids[:50], products__isnull=False)[0]
    return services.ticket_create(
        actor=ctx.users["agent"],
        customer=customer,
        product=customer.products.first(),
        channel="phone",
        category="repair",
        description="Benchmark pool",
    )


@operation
def dispatch_candidates(ctx):
    client = ctx.api["supervisor"]
    ticket = _ticket_with_product(ctx)
    category = ticket.product.model.category_id
    day = timezone.localdate() + datetime.timedelta(days=1)
    start, end = local_day_bounds(day)
    return Operation(
        name="dispatch candidates, 2,000 technicians (API)",
        iterations=30,
        note="eligibility (certificate, area, day, absence, load) + 90-day ranking stats",
        run=lambda i: _ok(
            client.get(
                f"/api/v1/tickets/{ticket.pk}/dispatch-candidates/", {"date": day.isoformat()}
            )
        ),
        floor=_floor(
            CANDIDATES_FLOOR,
            {
                "area": ticket.area_id,
                "start": start,
                "end": end,
                "category": category,
                "day": day,
            },
        ),
    )


@operation
def ticket_dispatch(ctx):
    """Qualified dispatch: each call books the best-ranked candidate for a fresh ticket."""
    from technicians.selectors import dispatch_candidates as candidates

    client = ctx.api["supervisor"]
    iterations = 30
    day = timezone.localdate() + datetime.timedelta(days=3)
    pool, used = [], set()
    for _ in range(iterations + 4):
        ticket = services.ticket_triage(
            ticket=_ticket_with_product(ctx),
            actor=ctx.users["agent"],
            priority="p3",
        )
        best = next(
            c["technician"].pk
            for c in candidates(ticket=ticket, day=day)
            if c["eligible"] and c["technician"].pk not in used
        )
        used.add(best)  # one booking each, so no call meets a day filled by the others
        pool.append((ticket.pk, best))
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))

    def run(i):
        ticket_id, technician_id = pool.pop()
        return _ok(
            client.post(
                f"/api/v1/tickets/{ticket_id}/dispatch/",
                {
                    "technician": technician_id,
                    "appointment_start": start.isoformat(),
                    "appointment_end": (start + datetime.timedelta(hours=2)).isoformat(),
                },
                format="json",
            )
        )

    return Operation(
        name="ticket transition: qualified dispatch (API)",
        run=run,
        iterations=iterations,
        note="eligibility re-checked under the technician's row lock",
    )


DASHBOARD_FLOOR = """
SELECT count(*),
       count(*) FILTER (WHERE status = 'new'), count(*) FILTER (WHERE status = 'triaged'),
       count(*) FILTER (WHERE status = 'dispatched'), count(*) FILTER (WHERE status = 'on_site'),
       count(*) FILTER (WHERE status = 'awaiting_confirmation'),
       count(*) FILTER (WHERE priority = 'p1'), count(*) FILTER (WHERE priority = 'p2'),
       count(*) FILTER (WHERE priority = 'p3'), count(*) FILTER (WHERE priority = 'p4'),
       count(*) FILTER (WHERE responded_at IS NULL AND cancelled_at IS NULL
                        AND COALESCE(sla_paused_at, now()) >= response_warn_at),
       count(*) FILTER (WHERE COALESCE(responded_at, cancelled_at, sla_paused_at, now())
                              > response_due_at),
       count(*) FILTER (WHERE escalation_level > 0),
       count(*) FILTER (WHERE sla_paused_at IS NOT NULL),
       (SELECT count(*) FROM tickets_ticket WHERE created_at >= date_trunc('day', now())),
       (SELECT count(*) FROM tickets_ticket WHERE closed_at >= date_trunc('day', now()))
FROM tickets_ticket
WHERE status IN ('new', 'triaged', 'dispatched', 'on_site', 'awaiting_confirmation')
"""


@operation
def dashboard_uncached(ctx):
    from tickets.selectors import dashboard_summary

    return Operation(
        name="dashboard aggregates, uncached",
        run=lambda i: dashboard_summary(now=timezone.now()),
        floor=_floor(DASHBOARD_FLOOR),
        iterations=30,
    )


@operation
def dashboard_api(ctx):
    client = ctx.api["supervisor"]
    return Operation(
        name="dashboard (API, cached)",
        run=lambda i: _ok(client.get("/api/v1/reports/dashboard/")),
        floor=_floor(DASHBOARD_FLOOR),
        note="cache hit; recomputed on the next read after any ticket write",
    )


@operation
def fixed_cost(ctx):
    client = ctx.api["agent"]
    return Operation(
        name="reference: areas list, 20 rows (API)",
        run=lambda i: _ok(client.get("/api/v1/areas/")),
        floor=_floor("SELECT id, code, name FROM tickets_area ORDER BY code LIMIT 51"),
        note="the fixed cost of an authenticated DRF request",
    )
