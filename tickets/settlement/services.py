"""The settlement's rules (结算): build, submit, approve or return an outlet's statement.

What an outlet is paid for a month: for each of its **signed work orders** of the month
(``selectors.signed_work_orders``: status closed or followed up, signed — ``closed_at`` —
within the month in the centre's ``TIME_ZONE``), the job service fee of the price list in
force on the job's completion day (``tickets.charges.pricing.job_service_fee``: the labour
fee of its service type and product category, plus the call-out fee of its distance zone
when a technician went on site), plus the parts it supplied from its own stock at cost.
Parts issued from the company's stock (warehouse, vans) are listed with their value but
reimbursed at zero, and so is a part the customer paid for (the outlet sold it).

States: draft (rebuildable) → submitted → approved (locked) or returned (with a comment,
rebuildable, resubmitted). Clerks (supervisors, finance) build, submit and review; the one
who submitted may not approve or return (two pairs of eyes). Each write locks the
statement row (``select_for_update``) and checks an optional expected ``version``, so a
rebuild, a submission and two reviewers at once serialise: the second reviewer finds the
statement approved and gets ``invalid_transition``. Every write is audited.
"""

import bisect
import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import ApplicationError, InvalidTransition, StaleVersion
from aftersales.roles import role_require
from aftersales.sequences import sequence_next
from audits.services import audit_record
from tickets.charges import pricing
from tickets.charges.models import PriceList

from .choices import REBUILDABLE, PartSource, StatementStatus
from .models import Statement, StatementLine, StatementNumberSequence
from .selectors import STATEMENT_CLERKS, centre_zone, month_bounds, month_start, work_order_rows

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
LINE_BATCH = 1000
NUMBER_PREFIX = "ST"


class SameReviewer(ApplicationError):
    code = "same_reviewer"


class MonthNotOver(ApplicationError):
    code = "month_not_over"


class StaleStatement(ApplicationError):
    code = "stale_statement"


def _money(value):
    return Decimal(value).quantize(CENT)


def _lists_in_force(last_day):
    """Every published price list in force on some day up to ``last_day``, oldest first,
    with their rates prefetched: four queries, whatever the number of days priced."""
    lists = list(
        PriceList.objects.published()
        .filter(effective_from__lte=last_day)
        .order_by("effective_from", "id")
        .prefetch_related("labour_rates", "callout_zones", "part_prices")
    )
    days = [p.effective_from for p in lists]

    def on(day):
        # The same choice as pricing.price_list_on: the latest effective_from on or before.
        index = bisect.bisect_right(days, day)
        return lists[index - 1] if index else None

    return on


def statement_line_for(ticket, parts, *, price_list, outlet):
    """The snapshot line of one signed work order (a pure function of its inputs)."""
    zone = centre_zone()
    done = ticket.completed_at or ticket.closed_at
    category = ticket.product.model.category if ticket.product_id else None
    labour = pricing.labour_fee(
        price_list,
        service_type=ticket.category,
        product_category_id=category.pk if category else None,
    )
    # A remote fix (no check-in) earns no call-out fee: nobody travelled.
    visited = ticket.on_site_at is not None
    callout_zone = pricing.callout_zone(price_list, ticket.travel_km) if visited else None
    callout = callout_zone.fee if callout_zone is not None else ZERO
    own_location = outlet.stock_location_id
    quantity, value, reimbursed, listed = 0, ZERO, ZERO, []
    for row in parts:
        cost = _money(row.part.unit_cost)
        line_value = _money(cost * row.quantity)
        source = (
            PartSource.OUTLET
            if own_location and row.location_id == own_location
            else (PartSource.COMPANY)
        )
        paid = line_value if source == PartSource.OUTLET and not row.charged else ZERO
        quantity += row.quantity
        value += line_value
        reimbursed += paid
        listed.append(
            {
                "sku": row.part.sku,
                "name": row.part.name,
                "quantity": row.quantity,
                "unit_cost": str(cost),
                "source": str(source),
                "charged": row.charged,
                "reimbursed": str(paid),
            }
        )
    return StatementLine(
        ticket_id=ticket.pk,
        ticket_number=ticket.number,
        closed_at=ticket.closed_at,
        completed_on=timezone.localtime(done, zone).date(),
        service_type=ticket.category,
        product_category=category.name if category else "",
        technician=ticket.technician.full_name if ticket.technician_id else "",
        price_list=price_list.code if price_list else "",
        travel_km=ticket.travel_km,
        zone=callout_zone.code if callout_zone is not None else "",
        labour_fee=_money(labour),
        callout_fee=_money(callout),
        parts_quantity=quantity,
        parts_value=_money(value),
        parts_reimbursed=_money(reimbursed),
        amount=_money(labour + callout + reimbursed),
        parts=listed,
    )


def _statement_for_update(*, outlet, month):
    """The (outlet, month) statement, created when missing, locked for this transaction."""
    try:
        with transaction.atomic():
            Statement.objects.get_or_create(outlet=outlet, month=month)
    except IntegrityError:  # another build created it between our read and insert
        pass
    return (
        Statement.objects.select_for_update()
        .select_related("outlet")
        .get(outlet=outlet, month=month)
    )


def _check_version(statement, expected_version):
    if expected_version is not None and statement.version != expected_version:
        raise StaleVersion(
            _("The statement changed meanwhile (version %(now)s, not %(given)s): reload it.")
            % {"now": statement.version, "given": expected_version},
            extra={"version": statement.version},
        )


def _locked(statement, expected_version=None):
    locked = Statement.objects.select_for_update().select_related("outlet").get(pk=statement.pk)
    _check_version(locked, expected_version)
    return locked


@transaction.atomic
def statement_build(*, outlet, month, actor, expected_version=None):
    """Build (or rebuild) ``outlet``'s statement for ``month`` (any day of it) from its
    signed work orders, replacing a draft's or a returned statement's lines.

    Refused: a month that has not begun (400), a statement under review or approved
    (409 ``invalid_transition``), a stale ``expected_version`` (409 ``stale_version``).
    Writes the statement and its lines (one INSERT per 1,000) and a ``statement.built``
    audit event. Queries do not grow with the number of jobs, except one per 1,000 lines.
    """
    role_require(actor, *STATEMENT_CLERKS)
    month = month_start(month)
    now = timezone.now()
    start, end = month_bounds(month)
    if start > now:
        raise ValidationError({"month": [_("This month has not begun yet.")]})
    statement = _statement_for_update(outlet=outlet, month=month)
    _check_version(statement, expected_version)
    if statement.status not in REBUILDABLE:
        raise InvalidTransition(
            _("A statement under review or approved cannot be rebuilt."),
            extra={"status": statement.status},
        )
    before = {"job_count": statement.job_count, "total": str(statement.total)}
    tickets, parts = work_order_rows(outlet=outlet, month=month)
    in_force = _lists_in_force((end - datetime.timedelta(days=1)).date())
    zone = centre_zone()
    lines = []
    for ticket in tickets:
        done = timezone.localtime(ticket.completed_at or ticket.closed_at, zone).date()
        line = statement_line_for(
            ticket, parts.get(ticket.pk, ()), price_list=in_force(done), outlet=outlet
        )
        line.statement = statement
        lines.append(line)
    StatementLine.objects.filter(statement=statement).delete()
    StatementLine.objects.bulk_create(lines, batch_size=LINE_BATCH)
    statement.job_count = len(lines)
    statement.labour_total = sum((line.labour_fee for line in lines), ZERO)
    statement.callout_total = sum((line.callout_fee for line in lines), ZERO)
    statement.parts_quantity = sum(line.parts_quantity for line in lines)
    statement.parts_value = sum((line.parts_value for line in lines), ZERO)
    statement.parts_reimbursed = sum((line.parts_reimbursed for line in lines), ZERO)
    statement.total = sum((line.amount for line in lines), ZERO)
    statement.status = StatementStatus.DRAFT
    statement.built_at = now
    statement.built_by = actor if getattr(actor, "is_authenticated", False) else None
    statement.version += 1
    statement.save()
    audit_record(
        actor=actor,
        action="statement.built",
        obj=statement,
        changes={
            "outlet": outlet.pk,
            "month": month.isoformat(),
            "job_count": [before["job_count"], statement.job_count],
            "total": [before["total"], str(statement.total)],
        },
    )
    return statement


def statement_number_next(*, year):
    """The next statement number of ``year`` (ST-2026-000001), gap-free
    (``aftersales.sequences``: the counter's lock serialises submissions until they commit)."""
    value = sequence_next(StatementNumberSequence, year=year)
    return f"{NUMBER_PREFIX}-{year}-{value:06d}"


@transaction.atomic
def statement_submit(*, statement, actor, expected_version=None):
    """draft/returned → submitted for review. The month must be over and the statement
    built after it ended (else 409 ``month_not_over`` / ``stale_statement``: rebuild it),
    so no signed work order of the month is missing. Gives the statement its number at
    the first submission. Audited (``statement.submitted``)."""
    role_require(actor, *STATEMENT_CLERKS)
    statement = _locked(statement, expected_version)
    if statement.status not in REBUILDABLE:
        raise InvalidTransition(
            _("Only a draft or a returned statement can be submitted."),
            extra={"status": statement.status},
        )
    _start, end = month_bounds(statement.month)
    if timezone.now() < end:
        raise MonthNotOver(_("The month is not over yet: submit it once it has ended."))
    if statement.built_at is None or statement.built_at < end:
        raise StaleStatement(
            _("This statement was built before the month ended: rebuild it, then submit.")
        )
    before = statement.status
    if not statement.number:
        statement.number = statement_number_next(year=statement.month.year)
    statement.status = StatementStatus.SUBMITTED
    statement.submitted_at = timezone.now()
    statement.submitted_by = actor if getattr(actor, "is_authenticated", False) else None
    statement.version += 1
    statement.save()
    audit_record(
        actor=actor,
        action="statement.submitted",
        obj=statement,
        changes={
            "status": [before, statement.status],
            "number": statement.number,
            "total": str(statement.total),
        },
    )
    return statement


def _review(statement, *, actor, expected_version, status, comment):
    role_require(actor, *STATEMENT_CLERKS)
    statement = _locked(statement, expected_version)
    if statement.status != StatementStatus.SUBMITTED:
        raise InvalidTransition(
            _("Only a statement submitted for review can be approved or returned."),
            extra={"status": statement.status},
        )
    if actor is not None and statement.submitted_by_id == actor.pk:
        raise SameReviewer(_("Whoever submitted a statement may not review it."))
    statement.status = status
    statement.reviewed_at = timezone.now()
    statement.reviewed_by = actor if getattr(actor, "is_authenticated", False) else None
    statement.review_comment = comment
    statement.version += 1
    statement.save()
    audit_record(
        actor=actor,
        action=f"statement.{'approved' if status == StatementStatus.APPROVED else 'returned'}",
        obj=statement,
        changes={
            "status": [StatementStatus.SUBMITTED, status],
            "total": str(statement.total),
            "comment": comment,
        },
    )
    return statement


@transaction.atomic
def statement_approve(*, statement, actor, comment="", expected_version=None):
    """submitted → approved: locked for good (services refuse, a trigger refuses). By a
    supervisor or finance other than the submitter (409 ``same_reviewer``). Audited."""
    return _review(
        statement,
        actor=actor,
        expected_version=expected_version,
        status=StatementStatus.APPROVED,
        comment=comment.strip(),
    )


@transaction.atomic
def statement_return(*, statement, actor, comment, expected_version=None):
    """submitted → returned with a comment (required) saying what to correct; the
    statement may then be rebuilt and resubmitted. Same reviewers as approval. Audited."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("Say why the statement is returned.")]})
    return _review(
        statement,
        actor=actor,
        expected_version=expected_version,
        status=StatementStatus.RETURNED,
        comment=comment,
    )
