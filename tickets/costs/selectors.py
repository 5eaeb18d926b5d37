"""Reads of the costs app: one ticket's cost, the cost report for many tickets in SQL,
budget against actual, and which expense claims a user may see or decide.

The cost report runs as one SQL statement whatever the number of tickets: the tickets
completed in [start, end) (index ``ticket_completed_at``), their rates and price lists
joined by validity ranges (a handful of rows), their parts and approved claims summed by
correlated subqueries on the ticket's indexes, grouped in the database. Every figure is
rounded per ticket exactly as ``tickets.costs.costing.ticket_cost`` does.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import connections
from django.db.models import Sum
from django.utils import timezone

from aftersales.replica import read_alias, replica_reads
from aftersales.roles import Role, has_role, roles_of
from parts.models import Part, TicketPart
from technicians.models import Technician
from technicians.outlets.models import Outlet
from tickets.charges.choices import PriceListStatus
from tickets.charges.models import CalloutZone, LabourRate, PriceList
from tickets.charges.pricing import job_service_fee, price_list_on
from tickets.choices import TicketCategory, WarrantyDecision
from tickets.models import Area, Product, ProductCategory, ProductModel, Ticket

from .choices import ClaimStatus, CostGrouping, CostKind
from .costing import ZERO, TicketCost, ticket_cost
from .models import Budget, CostRate, ExpenseClaim

# Who reads costs, budgets and every claim (the technicians read their own claims).
COST_READERS = (Role.SUPERVISOR, Role.FINANCE, Role.MANAGER, Role.AUDITOR)
COMPONENTS = ("labour", "parts", "travel", "outsourcing")
# The budget's cost kinds and the ticket cost component each one is compared with.
KIND_COMPONENT = {
    CostKind.LABOUR: "labour",
    CostKind.PARTS: "parts",
    CostKind.TRAVEL: "travel",
    CostKind.OUTSOURCING: "outsourcing",
}

GROUP_COLUMNS = {
    CostGrouping.CATEGORY: "t.category",
    CostGrouping.PRODUCT_CATEGORY: "t.product_category_id",
    CostGrouping.AREA: "t.area_id",
    CostGrouping.PRODUCT_MODEL: "t.model_id",
    CostGrouping.WARRANTY: "t.warranty_decision",
    CostGrouping.OUTLET: "t.outlet_id",
}


def day_bounds(first, last):
    """[start, end) instants of the local days [first, last]: midnight of the first day
    to midnight after the last."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time(), tzinfo=tz)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(), tzinfo=tz)
    return start, end


def _local_day(instant):
    return timezone.localtime(instant).date() if instant else None


def job_outlet(ticket):
    """The outlet that did the job: the ticket's, else its technician's (a partner's
    technician dispatched by the centre is still the partner's job)."""
    if ticket.outlet_id:
        return ticket.outlet
    technician = ticket.technician
    return technician.outlet if technician is not None and technician.outlet_id else None


def ticket_cost_of(ticket):
    """The ``TicketCost`` of one ticket, read through the ORM and priced by
    ``costing.ticket_cost`` (a handful of queries; the report uses SQL instead)."""
    day = _local_day(ticket.completed_at) or timezone.localdate()
    rate = CostRate.objects.on(day)
    outlet = job_outlet(ticket)
    partner = bool(outlet and outlet.is_partner)
    fee = ZERO
    if partner:
        product_category_id = None
        if ticket.product_id:
            product_category_id = (
                Product.objects.filter(pk=ticket.product_id)
                .values_list("model__category_id", flat=True)
                .first()
            )
        fee = job_service_fee(
            price_list_on(day),
            service_type=ticket.category,
            product_category_id=product_category_id,
            km=ticket.travel_km,
        )
    parts = TicketPart.objects.filter(ticket=ticket).values_list("quantity", "part__unit_cost")
    claims = ExpenseClaim.objects.approved().filter(ticket=ticket).values_list("amount", flat=True)
    return ticket_cost(
        on_site_at=ticket.on_site_at,
        completed_at=ticket.completed_at,
        partner=partner,
        labour_hourly_rate=rate.labour_hourly_rate if rate else ZERO,
        travel_km=ticket.travel_km,
        travel_km_rate=rate.travel_km_rate if rate else ZERO,
        parts=list(parts),
        claims=list(claims),
        outsourced_fee=fee,
    )


def _costs_sql(where):
    """The per-ticket cost rows (CTE ``c``) of the tickets matching ``where`` (SQL over
    the alias ``t0`` of the ticket table, with named parameters)."""
    tables = {
        "ticket": Ticket._meta.db_table,
        "product": Product._meta.db_table,
        "model": ProductModel._meta.db_table,
        "outlet": Outlet._meta.db_table,
        "technician": Technician._meta.db_table,
        "ticketpart": TicketPart._meta.db_table,
        "part": Part._meta.db_table,
        "claim": ExpenseClaim._meta.db_table,
        "rate": CostRate._meta.db_table,
        "pricelist": PriceList._meta.db_table,
        "labour": LabourRate._meta.db_table,
        "zone": CalloutZone._meta.db_table,
    }
    # bandit B608: the tables are the models' own names and ``where`` is a constant of the
    # callers below; every value is a bound parameter.
    return f"""
WITH rates AS (
    SELECT effective_from AS d0, LEAD(effective_from) OVER (ORDER BY effective_from) AS d1,
           labour_hourly_rate AS hr, travel_km_rate AS kr
    FROM {tables["rate"]}
), lists AS (
    SELECT id, effective_from AS d0,
           LEAD(effective_from) OVER (ORDER BY effective_from, id) AS d1
    FROM {tables["pricelist"]} WHERE status = %(published)s
), t AS (
    SELECT t0.id, t0.category, t0.area_id, t0.warranty_decision, o.id AS outlet_id,
           pr.model_id, pm.category_id AS product_category_id,
           t0.on_site_at, t0.completed_at, t0.travel_km,
           COALESCE(o.kind = %(partner)s, FALSE) AS partner,
           (t0.completed_at AT TIME ZONE %(tz)s)::date AS day
    FROM {tables["ticket"]} t0
    LEFT JOIN {tables["product"]} pr ON pr.id = t0.product_id
    LEFT JOIN {tables["model"]} pm ON pm.id = pr.model_id
    LEFT JOIN {tables["technician"]} tech ON tech.id = t0.technician_id
    LEFT JOIN {tables["outlet"]} o ON o.id = COALESCE(t0.outlet_id, tech.outlet_id)
    WHERE {where}
), c AS (
    SELECT t.*,
        CASE WHEN t.partner OR t.on_site_at IS NULL OR t.completed_at <= t.on_site_at THEN 0
             ELSE round(EXTRACT(EPOCH FROM t.completed_at - t.on_site_at)
                        * COALESCE(r.hr, 0) / 3600, 2) END AS labour,
        COALESCE((SELECT sum(tp.quantity * p.unit_cost) FROM {tables["ticketpart"]} tp
                  JOIN {tables["part"]} p ON p.id = tp.part_id WHERE tp.ticket_id = t.id), 0)
            AS parts,
        CASE WHEN t.partner THEN 0
             ELSE round(COALESCE(t.travel_km, 0) * COALESCE(r.kr, 0), 2) END
        + COALESCE((SELECT sum(e.amount) FROM {tables["claim"]} e
                    WHERE e.ticket_id = t.id AND e.status = %(approved)s), 0) AS travel,
        CASE WHEN t.partner THEN COALESCE(lab.amount, 0) + COALESCE(zone.fee, 0)
             ELSE 0 END AS outsourcing
    FROM t
    LEFT JOIN rates r ON t.day >= r.d0 AND (r.d1 IS NULL OR t.day < r.d1)
    LEFT JOIN lists l ON t.partner AND t.day >= l.d0 AND (l.d1 IS NULL OR t.day < l.d1)
    LEFT JOIN LATERAL (
        SELECT COALESCE(
            (SELECT amount FROM {tables["labour"]} WHERE price_list_id = l.id
               AND service_type = t.category AND product_category_id = t.product_category_id),
            (SELECT amount FROM {tables["labour"]} WHERE price_list_id = l.id
               AND service_type = t.category AND product_category_id IS NULL)) AS amount
    ) lab ON l.id IS NOT NULL
    LEFT JOIN LATERAL (
        SELECT z.fee FROM {tables["zone"]} z
        WHERE z.price_list_id = l.id AND t.travel_km IS NOT NULL
          AND (z.up_to_km IS NULL OR t.travel_km <= z.up_to_km)
        ORDER BY z.up_to_km ASC NULLS LAST LIMIT 1
    ) zone ON TRUE
)"""  # nosec B608


def _params(**extra):
    return {
        "published": PriceListStatus.PUBLISHED,
        "partner": "partner",
        "approved": ClaimStatus.APPROVED,
        "tz": settings.TIME_ZONE,
        **extra,
    }


def _figures(count, labour, parts, travel, outsourcing):
    labour, parts, travel, outsourcing = (
        Decimal(v or 0).quantize(Decimal("0.01")) for v in (labour, parts, travel, outsourcing)
    )
    total = labour + parts + travel + outsourcing
    return {
        "tickets": count,
        "labour": labour,
        "parts": parts,
        "travel": travel,
        "outsourcing": outsourcing,
        "total": total,
        "per_ticket": (total / count).quantize(Decimal("0.01")) if count else None,
    }


def _portable(alias):
    """The cost statement is PostgreSQL's (window functions, LATERAL, time zones); on
    other databases (SQLite: ``make run``'s demo) each ticket is priced through the ORM by
    ``ticket_cost_of``, the same rules, a handful of queries per ticket."""
    return connections[alias].vendor != "postgresql"


def _portable_group_key(ticket, group_by):
    product = ticket.product
    return {
        CostGrouping.CATEGORY: lambda: ticket.category,
        CostGrouping.PRODUCT_CATEGORY: lambda: product.model.category_id if product else None,
        CostGrouping.AREA: lambda: ticket.area_id,
        CostGrouping.PRODUCT_MODEL: lambda: product.model_id if product else None,
        CostGrouping.WARRANTY: lambda: ticket.warranty_decision,
        CostGrouping.OUTLET: lambda: getattr(job_outlet(ticket), "pk", None),
    }[group_by]()


def _portable_report_rows(*, start, end, group_by):
    """``cost_report``'s grouped rows ``(key, count, labour, parts, travel, outsourcing)``
    off PostgreSQL, in the statement's order (keys ascending, None last)."""
    groups = {}
    tickets = Ticket.objects.filter(completed_at__gte=start, completed_at__lt=end)
    for ticket in tickets.select_related("product__model", "technician__outlet", "outlet"):
        cost = ticket_cost_of(ticket)
        row = groups.setdefault(_portable_group_key(ticket, group_by), [0, ZERO, ZERO, ZERO, ZERO])
        row[0] += 1
        for i, component in enumerate(COMPONENTS, start=1):
            row[i] += getattr(cost, component)
    ordered = sorted(groups, key=lambda key: (key is None, key if key is not None else 0))
    return [(key, *groups[key]) for key in ordered]


def ticket_costs(ticket_ids):
    """``{ticket id: TicketCost}`` for the given tickets, in one statement."""
    ids = list(ticket_ids)
    if not ids:
        return {}
    if _portable(read_alias()):
        return {t.pk: ticket_cost_of(t) for t in Ticket.objects.filter(pk__in=ids)}
    sql = _costs_sql("t0.id = ANY(%(ids)s)") + (  # nosec B608: constant SQL, bound ids
        " SELECT id, labour, parts, travel, outsourcing FROM c"
    )
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, _params(ids=ids))
        rows = cursor.fetchall()
    return {
        row[0]: TicketCost(*(Decimal(v).quantize(Decimal("0.01")) for v in row[1:])) for row in rows
    }


@replica_reads
def cost_report(*, start, end, group_by=CostGrouping.CATEGORY):
    """The cost of the tickets completed in [start, end), grouped by ``group_by`` (a
    ``CostGrouping``): per group its ticket count, each component, the total and the cost
    per ticket; and the same for all tickets. Two statements whatever the period."""
    group_by = CostGrouping(group_by)
    column = GROUP_COLUMNS[group_by]
    # bandit B608: ``column`` is one of GROUP_COLUMNS' constants; values are bound.
    grouped = (
        f" SELECT {column} AS key, count(*), sum(labour), sum(parts), sum(travel),"  # nosec B608
        f" sum(outsourcing) FROM c t GROUP BY {column} ORDER BY 1 NULLS LAST"
    )
    sql = _costs_sql("t0.completed_at >= %(start)s AND t0.completed_at < %(end)s") + grouped
    if _portable(read_alias()):
        rows = _portable_report_rows(start=start, end=end, group_by=group_by)
    else:
        with connections[read_alias()].cursor() as cursor:
            cursor.execute(sql, _params(start=start, end=end))
            rows = cursor.fetchall()
    names = cost_group_names(group_by, [row[0] for row in rows])
    result = []
    for key, *figures in rows:
        result.append({"key": key, "label": names.get(key, ""), **_figures(*figures)})
    totals = _figures(
        sum(r["tickets"] for r in result),
        *(sum((r[name] for r in result), ZERO) for name in COMPONENTS),
    )
    return {
        "group_by": group_by.value,
        "start": start,
        "end": end,
        "rows": result,
        "totals": totals,
    }


def cost_group_names(group_by, keys):
    """Labels of the report's group keys: codes' labels, reference rows' names."""
    keys = [k for k in keys if k is not None]
    if group_by == CostGrouping.CATEGORY:
        return {k: str(TicketCategory(k).label) for k in keys if k in TicketCategory.values}
    if group_by == CostGrouping.WARRANTY:
        labels = {k: str(WarrantyDecision(k).label) for k in keys if k in WarrantyDecision.values}
        return labels
    model = {
        CostGrouping.AREA: Area,
        CostGrouping.PRODUCT_CATEGORY: ProductCategory,
        CostGrouping.PRODUCT_MODEL: ProductModel,
        CostGrouping.OUTLET: Outlet,
    }[group_by]
    if not keys:
        return {}
    return {obj.pk: str(obj.name) for obj in model.objects.filter(pk__in=keys).only("pk", "name")}


def budget_months(first, last):
    """The first days of the months that start within [first, last]."""
    month = first.replace(day=1)
    if month < first:
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    months = []
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


@replica_reads
def budget_vs_actual(*, first, last, start, end):
    """Budget against actual per area and cost kind for the local days [first, last]
    (``start``/``end``: the same period as instants). The budget is the sum of the months
    that start in the period; the actual is the cost report by area (tickets completed in
    the period) plus, under no area, the approved claims without a ticket spent in it.
    Variance = budget − actual (negative: over budget). Four statements."""
    months = budget_months(first, last)
    budgets = {}
    for row in (
        Budget.objects.filter(month__in=months)
        .values("area_id", "kind")
        .annotate(amount=Sum("amount"))
    ):
        budgets[(row["area_id"], row["kind"])] = row["amount"]
    report = cost_report(start=start, end=end, group_by=CostGrouping.AREA)
    actual = {}
    for row in report["rows"]:
        for kind, component in KIND_COMPONENT.items():
            actual[(row["key"], kind.value)] = row[component]
    loose = (
        ExpenseClaim.objects.approved()
        .filter(ticket__isnull=True, spent_on__gte=first, spent_on__lte=last)
        .aggregate(total=Sum("amount"))["total"]
    )
    if loose:
        key = (None, CostKind.TRAVEL.value)
        actual[key] = actual.get(key, ZERO) + loose
    areas = {row["key"]: row["label"] for row in report["rows"]}
    area_ids = {a for a, _k in budgets} | {a for a, _k in actual}
    missing = [a for a in area_ids if a is not None and a not in areas]
    areas.update(cost_group_names(CostGrouping.AREA, missing))
    rows = []
    for area_id in sorted(area_ids, key=lambda a: (a is None, str(areas.get(a, "")))):
        for kind in CostKind:
            budget = budgets.get((area_id, kind.value))
            spent = actual.get((area_id, kind.value), ZERO)
            if budget is None and not spent:
                continue
            rows.append(_variance(area_id, areas.get(area_id, ""), kind, budget, spent))
    totals = {}
    for kind in CostKind:
        of_kind = [r for r in rows if r["kind"] == kind.value]
        budget = sum((r["budget"] or ZERO for r in of_kind), ZERO)
        spent = sum((r["actual"] for r in of_kind), ZERO)
        totals[kind.value] = _variance(None, "", kind, budget, spent)
    return {"first": first, "last": last, "months": months, "rows": rows, "totals": totals}


def _variance(area_id, area_label, kind, budget, actual):
    variance = None if budget is None else budget - actual
    used = None
    if budget:
        used = (actual * 100 / budget).quantize(Decimal("0.1"))
    return {
        "area": area_id,
        "area_label": area_label,
        "kind": kind.value,
        "kind_label": kind.label,
        "budget": budget,
        "actual": actual,
        "variance": variance,
        "used_pct": used,
        "over": variance is not None and variance < 0,
    }


def expense_claims_visible_to(user):
    """The claims ``user`` may see: every claim for the cost readers, their own for
    everyone else (a technician's claims). Newest first."""
    claims = ExpenseClaim.objects.select_related("technician", "claimant", "ticket")
    if has_role(user, *COST_READERS):
        return claims
    return claims.filter(claimant=user)


def expense_claims_awaiting(user):
    """The pending claims whose current step is a role of ``user`` and that they did not
    file themselves (the approver's queue), oldest first."""
    roles = list(Role.values) if user.is_superuser else list(roles_of(user))
    return (
        ExpenseClaim.objects.pending()
        .filter(waiting_role__in=roles)
        .exclude(claimant=user)
        .select_related("technician", "claimant", "ticket")
        .order_by("created_at", "id")
    )
