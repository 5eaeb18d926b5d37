"""Reads of the warranty: the facts the decision needs, a unit's warranty per scope, the
contracts lists. Three queries per decision, whatever the history's size."""

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from tickets.choices import TicketCategory, TicketStatus
from tickets.models import Ticket

from .choices import ContractStatus
from .decision import ContractValue, TermValue, decide, repair_days
from .models import ServiceContract, TicketWarranty, WarrantyTerm

# Earlier tickets of these categories count as time under repair.
REPAIR_CATEGORIES = (TicketCategory.REPAIR, TicketCategory.RETURN_EXCHANGE)


def _local_day(moment):
    return timezone.localtime(moment).date() if moment else None


def terms_of(product_model_id):
    """The model's terms as plain values (one query)."""
    return [
        TermValue(
            scope=t.scope,
            months=t.months,
            part_group=t.part_group.code if t.part_group_id else "",
            part_group_name=t.part_group.name if t.part_group_id else "",
            extends=t.extends_by_repair_days,
        )
        for t in WarrantyTerm.objects.filter(product_model_id=product_model_id).select_related(
            "part_group"
        )
    ]


def repair_intervals(product_id, *, exclude_ticket_id=None):
    """``(intake_day, done_day)`` of the unit's earlier repairs, not cancelled (one query).
    ``done_day`` is the completion's day (else the close's; ``None`` while still open)."""
    rows = (
        Ticket.objects.filter(product_id=product_id, category__in=REPAIR_CATEGORIES)
        .exclude(status=TicketStatus.CANCELLED)
        .exclude(pk=exclude_ticket_id)
        .values_list("created_at", "completed_at", "closed_at")
    )
    return [(_local_day(c), _local_day(done or closed)) for c, done, closed in rows]


def contracts_of(product_id, *, exclude_ticket_id=None):
    """The unit's active contracts with the visits they already covered (one query): a
    visit is a ticket whose triage the contract covered, unless cancelled."""
    used = Count(
        "ticket_records",
        filter=~Q(ticket_records__ticket__status=TicketStatus.CANCELLED)
        & ~Q(ticket_records__ticket_id=exclude_ticket_id),
    )
    return [
        ContractValue(
            id=c.pk,
            number=c.number,
            kind=c.kind,
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            parts=c.covers_parts,
            labour=c.covers_labour,
            callout=c.covers_callout,
            visits_included=c.visits_included,
            visits_used=c.used,
            active=c.status == ContractStatus.ACTIVE,
        )
        for c in ServiceContract.objects.filter(
            products__id=product_id, status=ContractStatus.ACTIVE
        ).annotate(used=used)
    ]


def product_decision(
    product, *, day, part_group="", category=TicketCategory.REPAIR, ticket_id=None
):
    """The decision for a job on ``product`` (``None``: no unit) on ``day``."""
    if product is None:
        return decide(day=day, category=category)
    return decide(
        day=day,
        purchase_date=product.purchase_date,
        default_months=product.model.warranty_months,
        terms=terms_of(product.model_id),
        repair_days=repair_days(
            repair_intervals(product.pk, exclude_ticket_id=ticket_id), before=day
        ),
        extension_enabled=settings.WARRANTY_REPAIR_DAYS_EXTEND,
        contracts=contracts_of(product.pk, exclude_ticket_id=ticket_id),
        part_group=part_group,
        category=category,
    )


def ticket_day(ticket):
    """The day a ticket's warranty is judged on: the day the fault was reported."""
    return timezone.localdate(ticket.created_at)


def ticket_record(ticket):
    """The ticket's triage record (``TicketWarranty``) or ``None``."""
    try:
        return ticket.warranty_record
    except TicketWarranty.DoesNotExist:
        return None


def ticket_decision(ticket, *, on=None, part_group=None, category=None):
    """The derived decision for ``ticket``: on ``on`` (default: the day it was filed), for
    the fault's part group (default: the one recorded at triage)."""
    if part_group is None:
        record = ticket_record(ticket)
        part_group = record.part_group if record else ""
    return product_decision(
        ticket.product,
        day=on or ticket_day(ticket),
        part_group=part_group,
        category=category or ticket.category,
        ticket_id=ticket.pk,
    )


def contracts_list(*, customer=None, status=None, query=""):
    """Contracts for the desk, newest first, with their customer."""
    qs = ServiceContract.objects.select_related("customer").annotate(
        visits_used=Count(
            "ticket_records", filter=~Q(ticket_records__ticket__status=TicketStatus.CANCELLED)
        )
    )
    if customer is not None:
        qs = qs.filter(customer=customer)
    if status:
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(Q(number__icontains=query) | Q(customer__name__icontains=query))
    return qs.order_by("-id")


def contract_visits_used(contract):
    return contract.ticket_records.exclude(ticket__status=TicketStatus.CANCELLED).count()


def units_warranty(products, *, day=None):
    """For each of ``products`` (their models joined): ``{"decision": Decision, "contracts":
    [ServiceContract…]}`` on ``day`` (default today), a repair's view of each scope. Four
    queries whatever the number of units (terms, earlier repairs, contracts with their
    units and visits used)."""
    products = list(products)
    day = day or timezone.localdate()
    if not products:
        return {}
    model_ids = {p.model_id for p in products}
    product_ids = [p.pk for p in products]
    terms = {}
    for t in WarrantyTerm.objects.filter(product_model_id__in=model_ids).select_related(
        "part_group"
    ):
        terms.setdefault(t.product_model_id, []).append(
            TermValue(
                scope=t.scope,
                months=t.months,
                part_group=t.part_group.code if t.part_group_id else "",
                part_group_name=t.part_group.name if t.part_group_id else "",
                extends=t.extends_by_repair_days,
            )
        )
    intervals = {}
    for pid, created, done, closed in (
        Ticket.objects.filter(product_id__in=product_ids, category__in=REPAIR_CATEGORIES)
        .exclude(status=TicketStatus.CANCELLED)
        .values_list("product_id", "created_at", "completed_at", "closed_at")
    ):
        intervals.setdefault(pid, []).append((_local_day(created), _local_day(done or closed)))
    contracts = {}
    for contract in (
        contracts_list()
        .filter(products__id__in=product_ids)
        .prefetch_related("products")
        .distinct()
        .order_by("-ends_on", "-id")
    ):
        for p in contract.products.all():
            contracts.setdefault(p.pk, []).append(contract)
    out = {}
    for p in products:
        values = [
            ContractValue(
                id=c.pk,
                number=c.number,
                kind=c.kind,
                starts_on=c.starts_on,
                ends_on=c.ends_on,
                parts=c.covers_parts,
                labour=c.covers_labour,
                callout=c.covers_callout,
                visits_included=c.visits_included,
                visits_used=c.visits_used,
                active=c.status == ContractStatus.ACTIVE,
            )
            for c in contracts.get(p.pk, [])
        ]
        out[p.pk] = {
            "decision": decide(
                day=day,
                purchase_date=p.purchase_date,
                default_months=p.model.warranty_months,
                terms=terms.get(p.model_id, []),
                repair_days=repair_days(intervals.get(p.pk, []), before=day),
                extension_enabled=settings.WARRANTY_REPAIR_DAYS_EXTEND,
                contracts=values,
            ),
            "contracts": contracts.get(p.pk, []),
        }
    return out
