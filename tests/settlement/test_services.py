"""The settlement's rules: what a statement counts, how it is priced, its states."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from aftersales.exceptions import ActionForbidden, InvalidTransition, StaleVersion
from audits.models import AuditEvent
from tickets.charges.models import LabourRate
from tickets.models import Ticket
from tickets.settlement import services
from tickets.settlement.choices import StatementStatus
from tickets.settlement.models import Statement, StatementLine

from .conftest import MONTH, local, make_outlet

pytestmark = pytest.mark.django_db


@pytest.fixture
def month_jobs(outlet, price_lists, signed_job, part, warehouse):
    """The outlet's October: four signed jobs (one at each price list, one followed up,
    one signed at 23:30 on the 31st), plus what must not count."""
    counted = [
        # 1 Oct list: repair 100, 5 km → zone 1 (0); a part from the outlet's own stock.
        signed_job(
            outlet,
            closed_at=local(2026, 10, 3, 15),
            parts_used=[(part, 2, outlet.stock_location)],
        ),
        # 15 Oct list: repair 120, 25 km → zone 2 (30); a part from the company warehouse.
        signed_job(
            outlet,
            closed_at=local(2026, 10, 20, 11),
            km=Decimal("25.0"),
            parts_used=[(part, 1, warehouse)],
            status="followed_up",
        ),
        # Installation (any category: 80), 50 km → zone 3 (60).
        signed_job(
            outlet, closed_at=local(2026, 10, 31, 23, 30), km=Decimal("50"), category="installation"
        ),
        # Completed on 14 Oct (old list) and signed on 16 Oct: the completion day prices it.
        signed_job(outlet, closed_at=local(2026, 10, 16, 9), completed_at=local(2026, 10, 14, 17)),
    ]
    other = make_outlet("PT-02")
    excluded = [
        signed_job(other, closed_at=local(2026, 10, 5, 10)),  # another outlet's
        signed_job(outlet, closed_at=local(2026, 9, 30, 23, 59)),  # September
        signed_job(outlet, closed_at=local(2026, 11, 1, 0, 30)),  # November (local time)
        signed_job(outlet, closed_at=local(2026, 10, 8), status="awaiting_confirmation"),
        signed_job(outlet, closed_at=local(2026, 10, 8), status="cancelled"),
    ]
    return counted, excluded


def test_statement_totals_equal_the_outlets_signed_work_orders_of_the_month(
    month_jobs, outlet, finance
):
    counted, excluded = month_jobs
    assert {t.pk for t in excluded}.isdisjoint(t.pk for t in counted)
    statement = services.statement_build(outlet=outlet, month=MONTH, actor=finance)

    lines = {line.ticket_id: line for line in statement.lines.all()}
    assert set(lines) == {t.pk for t in counted}
    first, second, install, late = (lines[t.pk] for t in counted)
    assert (first.labour_fee, first.callout_fee, first.zone) == (Decimal("100.00"), 0, "Z1")
    assert (first.parts_quantity, first.parts_value) == (2, Decimal("80.00"))
    assert first.parts_reimbursed == Decimal("80.00")  # outlet's own stock, at cost
    assert first.parts[0]["source"] == "outlet"
    assert (second.labour_fee, second.callout_fee, second.zone) == (
        Decimal("120.00"),
        Decimal("30.00"),
        "Z2",
    )
    assert second.price_list == "PL-2026B"
    assert (second.parts_value, second.parts_reimbursed) == (Decimal("40.00"), 0)  # company's
    assert (install.labour_fee, install.callout_fee) == (Decimal("80.00"), Decimal("60.00"))
    assert late.price_list == "PL-2026" and late.labour_fee == Decimal("100.00")
    assert late.completed_on == datetime.date(2026, 10, 14)

    assert statement.job_count == 4
    assert statement.labour_total == Decimal("400.00")
    assert statement.callout_total == Decimal("90.00")
    assert statement.parts_quantity == 3
    assert statement.parts_value == Decimal("120.00")
    assert statement.parts_reimbursed == Decimal("80.00")
    assert statement.total == Decimal("570.00")
    assert statement.total == sum(line.amount for line in lines.values())
    assert statement.status == StatementStatus.DRAFT
    assert (
        AuditEvent.objects.filter(action="statement.built", object_id=str(statement.pk)).count()
        == 1
    )


def test_a_charged_part_is_not_reimbursed_and_a_remote_fix_has_no_callout(
    outlet, price_lists, signed_job, part, finance
):
    ticket = signed_job(
        outlet,
        closed_at=local(2026, 10, 3, 15),
        km=Decimal("25"),
        parts_used=[(part, 1, outlet.stock_location)],
        warranty="out_of_warranty",
    )
    Ticket.objects.filter(pk=ticket.pk).update(on_site_at=None)
    line = services.statement_build(outlet=outlet, month=MONTH, actor=finance).lines.get()
    assert line.parts[0]["charged"] is True
    assert (line.parts_value, line.parts_reimbursed) == (Decimal("40.00"), 0)
    assert (line.callout_fee, line.zone) == (0, "")
    assert line.amount == Decimal("100.00")


def test_a_month_without_a_price_list_prices_at_zero(outlet, signed_job, finance):
    signed_job(outlet, closed_at=local(2026, 10, 3, 15))
    statement = services.statement_build(outlet=outlet, month=MONTH, actor=finance)
    assert statement.job_count == 1 and statement.total == 0
    assert statement.lines.get().price_list == ""


def test_lines_are_a_snapshot_and_a_rebuild_picks_up_changes(
    month_jobs, outlet, finance, price_lists
):
    statement = services.statement_build(outlet=outlet, month=MONTH, actor=finance)
    LabourRate.objects.filter(price_list=price_lists[0], service_type="repair").update(
        amount=Decimal("999.00")
    )
    statement.refresh_from_db()
    assert statement.total == Decimal("570.00")
    assert statement.lines.count() == 4

    rebuilt = services.statement_build(
        outlet=outlet, month=MONTH, actor=finance, expected_version=statement.version
    )
    assert rebuilt.pk == statement.pk
    assert rebuilt.version == statement.version + 1
    assert rebuilt.total == Decimal("570.00") + 2 * (Decimal("999.00") - Decimal("100.00"))
    assert StatementLine.objects.filter(statement=statement).count() == 4


def _submitted(outlet, finance):
    statement = services.statement_build(outlet=outlet, month=MONTH, actor=finance)
    return services.statement_submit(statement=statement, actor=finance)


def test_submit_numbers_the_statement_without_gaps(month_jobs, outlet, finance):
    statement = _submitted(outlet, finance)
    assert statement.status == StatementStatus.SUBMITTED
    assert statement.number == "ST-2026-000001"
    other = make_outlet("PT-03")
    second = _submitted(other, finance)
    assert second.number == "ST-2026-000002"


def test_approved_statement_cannot_change(month_jobs, outlet, finance, finance2, signed_job):
    statement = _submitted(outlet, finance)
    approved = services.statement_approve(statement=statement, actor=finance2)
    assert approved.status == StatementStatus.APPROVED and approved.reviewed_by == finance2
    total = approved.total

    signed_job(outlet, closed_at=local(2026, 10, 12, 10))  # a late arrival in the month
    with pytest.raises(InvalidTransition):
        services.statement_build(outlet=outlet, month=MONTH, actor=finance)
    with pytest.raises(InvalidTransition):
        services.statement_return(statement=approved, actor=finance2, comment="Again")
    with pytest.raises(InvalidTransition):
        services.statement_submit(statement=approved, actor=finance)
    approved.refresh_from_db()
    assert approved.total == total and approved.lines.count() == 4

    # The database refuses too, whatever the caller.
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.filter(pk=approved.pk).update(total=Decimal("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementLine.objects.filter(statement=approved).update(amount=Decimal("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementLine.objects.filter(statement=approved).delete()
    approved.refresh_from_db()
    assert approved.total == total


def test_the_submitter_may_not_review(month_jobs, outlet, finance):
    statement = _submitted(outlet, finance)
    with pytest.raises(services.SameReviewer):
        services.statement_approve(statement=statement, actor=finance)
    statement.refresh_from_db()
    assert statement.status == StatementStatus.SUBMITTED


def test_return_needs_a_comment_then_the_statement_is_rebuilt_and_resubmitted(
    month_jobs, outlet, finance, finance2
):
    statement = _submitted(outlet, finance)
    with pytest.raises(ValidationError):
        services.statement_return(statement=statement, actor=finance2, comment="  ")
    returned = services.statement_return(
        statement=statement, actor=finance2, comment="Ticket 3 was a remote fix"
    )
    assert returned.status == StatementStatus.RETURNED
    assert returned.review_comment == "Ticket 3 was a remote fix"
    rebuilt = services.statement_build(outlet=outlet, month=MONTH, actor=finance)
    assert rebuilt.status == StatementStatus.DRAFT
    again = services.statement_submit(statement=rebuilt, actor=finance)
    assert again.number == statement.number  # the number is kept
    assert list(
        AuditEvent.objects.filter(object_id=str(statement.pk), object_type="settlement.statement")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "statement.built",
        "statement.submitted",
        "statement.returned",
        "statement.built",
        "statement.submitted",
    ]


def test_submit_refuses_an_open_month_and_a_stale_build(outlet, finance, settings):
    with pytest.raises(ValidationError):
        services.statement_build(outlet=outlet, month=datetime.date(2099, 1, 1), actor=finance)
    from django.utils import timezone

    current = services.statement_build(outlet=outlet, month=timezone.localdate(), actor=finance)
    with pytest.raises(services.MonthNotOver):
        services.statement_submit(statement=current, actor=finance)
    past = services.statement_build(outlet=outlet, month=MONTH, actor=finance)
    Statement.objects.filter(pk=past.pk).update(built_at=local(2026, 10, 31, 12))
    with pytest.raises(services.StaleStatement):
        services.statement_submit(statement=past, actor=finance)
    past.refresh_from_db()
    assert past.status == StatementStatus.DRAFT and past.number == ""


def test_stale_version_is_refused(month_jobs, outlet, finance, finance2):
    statement = _submitted(outlet, finance)
    with pytest.raises(StaleVersion):
        services.statement_approve(
            statement=statement, actor=finance2, expected_version=statement.version - 1
        )
    statement.refresh_from_db()
    assert statement.status == StatementStatus.SUBMITTED


@pytest.mark.parametrize("role", ["agent", "technician", "auditor", "manager", "outlet_dispatcher"])
def test_only_supervisors_and_finance_write(role, outlet, make_user):
    user = make_user(role)
    with pytest.raises(ActionForbidden):
        services.statement_build(outlet=outlet, month=MONTH, actor=user)
    assert not Statement.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="statement.").exists()


def test_a_supervisor_may_build(outlet, supervisor):
    assert services.statement_build(outlet=outlet, month=MONTH, actor=supervisor).pk


def test_build_queries_do_not_grow_with_jobs(outlet, price_lists, signed_job, finance):
    signed_job(outlet, closed_at=local(2026, 10, 3, 15))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.statement_build(outlet=outlet, month=MONTH, actor=finance)  # creates it
    with CaptureQueriesContext(connection) as one:
        services.statement_build(outlet=outlet, month=MONTH, actor=finance)
    for day in (4, 5, 6):
        signed_job(outlet, closed_at=local(2026, 10, day, 15))
    with CaptureQueriesContext(connection) as four:
        services.statement_build(outlet=outlet, month=MONTH, actor=finance)
    assert len(four) == len(one)
    assert len(one) <= 20
