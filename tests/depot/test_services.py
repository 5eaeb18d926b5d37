"""The depot's rules: the receipt's signatures, the stage table, the turnaround clock
(business hours, paused while waiting for parts, warned and breached once), the loan
units and the read-only closed receipt."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from aftersales.exceptions import ActionForbidden, InvalidTransition
from aftersales.platform.models import Notification
from audits.models import AuditEvent
from tickets.calendar import CalendarSpec
from tickets.choices import EventKind
from tickets.depot import services, turnaround
from tickets.depot.choices import STAGE_TRANSITIONS, DepotStage, LoanStatus, ReceiptStatus
from tickets.depot.models import EquipmentReceipt, LoanUnit
from tickets.models import TicketEvent, WorkingCalendar, WorkingHours

from .conftest import SIGNATURE

S = DepotStage
UTC = datetime.UTC


def take_in(ticket, actor, **kw):
    kw.setdefault("signature", SIGNATURE)
    return services.receipt_take_in(ticket=ticket, actor=actor, **kw)


def walk(receipt, actor, *stages):
    for stage in stages:
        receipt = services.receipt_stage_set(receipt=receipt, actor=actor, stage=stage)
    return receipt


READY_PATH = (S.DIAGNOSING, S.REPAIRING, S.QUALITY_CHECK, S.READY)


def test_take_in_issues_numbered_signed_receipt(depot_ticket, agent):
    receipt = take_in(depot_ticket, agent, condition_checks=["scratches"], accessories=["remote"])
    assert receipt.number.startswith("ER-") and receipt.number.endswith("-00001")
    assert receipt.serial_number == "SN-PLATE-1"
    assert receipt.stage == S.RECEIVED and receipt.status == ReceiptStatus.OPEN
    assert receipt.intake_signature.startswith("data:image/png;base64,")
    event = TicketEvent.objects.get(ticket=depot_ticket, kind=EventKind.DEPOT_STAGE)
    assert event.payload["stage"] == S.RECEIVED and event.payload["receipt"] == receipt.number
    assert AuditEvent.objects.filter(action="depot.receipt_taken_in").count() == 1


def test_take_in_serial_from_the_plate(depot_ticket, agent):
    receipt = take_in(depot_ticket, agent, serial_number="SN-REAL-9")
    assert receipt.serial_number == "SN-REAL-9"


def test_take_in_requires_signature(depot_ticket, agent):
    with pytest.raises(ValidationError) as exc:
        take_in(depot_ticket, agent, signature="")
    assert "signature" in exc.value.message_dict
    assert not EquipmentReceipt.objects.exists()


def test_take_in_refuses_bad_signature(depot_ticket, agent):
    with pytest.raises(ValidationError) as exc:
        take_in(depot_ticket, agent, signature="data:image/png;base64,PHN2Zz4=")
    assert "signature" in exc.value.message_dict


def test_take_in_refuses_unknown_checklist_codes(depot_ticket, agent):
    with pytest.raises(ValidationError) as exc:
        take_in(depot_ticket, agent, accessories=["jetpack"])
    assert "accessories" in exc.value.message_dict


def test_one_open_receipt_per_ticket(depot_ticket, agent):
    take_in(depot_ticket, agent)
    with pytest.raises(services.DepotError) as exc:
        take_in(depot_ticket, agent)
    assert exc.value.code == "already_taken_in"


def test_technician_takes_in_only_own_jobs(depot_ticket, technician):
    with pytest.raises(ActionForbidden):
        take_in(depot_ticket, technician.user)


def test_auditor_cannot_take_in(depot_ticket, auditor):
    with pytest.raises(ActionForbidden):
        take_in(depot_ticket, auditor)


ALLOWED = [(a, b) for a, targets in STAGE_TRANSITIONS.items() for b in targets if b != S.RETURNED]
FORBIDDEN = [
    (a, b)
    for a in S
    if a != S.RETURNED
    for b in S
    if b != S.RETURNED and b not in STAGE_TRANSITIONS[a]
]
PATHS = {
    S.RECEIVED: (),
    S.DIAGNOSING: (S.DIAGNOSING,),
    S.WAITING_PARTS: (S.DIAGNOSING, S.WAITING_PARTS),
    S.REPAIRING: (S.DIAGNOSING, S.REPAIRING),
    S.QUALITY_CHECK: (S.DIAGNOSING, S.REPAIRING, S.QUALITY_CHECK),
    S.READY: READY_PATH,
}


@pytest.mark.parametrize(("from_stage", "to_stage"), ALLOWED)
def test_allowed_stage_moves(depot_ticket, agent, workshop, from_stage, to_stage):
    receipt = walk(take_in(depot_ticket, agent), workshop, *PATHS[from_stage])
    before = TicketEvent.objects.filter(kind=EventKind.DEPOT_STAGE).count()
    receipt = services.receipt_stage_set(receipt=receipt, actor=workshop, stage=to_stage)
    assert receipt.stage == to_stage
    assert TicketEvent.objects.filter(kind=EventKind.DEPOT_STAGE).count() == before + 1


@pytest.mark.parametrize(("from_stage", "to_stage"), FORBIDDEN)
def test_forbidden_stage_moves(depot_ticket, agent, workshop, from_stage, to_stage):
    receipt = walk(take_in(depot_ticket, agent), workshop, *PATHS[from_stage])
    before = TicketEvent.objects.count()
    with pytest.raises(InvalidTransition):
        services.receipt_stage_set(receipt=receipt, actor=workshop, stage=to_stage)
    assert TicketEvent.objects.count() == before
    receipt.refresh_from_db()
    assert receipt.stage == from_stage


def test_quality_check_fails_back_to_repairing(depot_ticket, agent, workshop):
    receipt = walk(take_in(depot_ticket, agent), workshop, S.DIAGNOSING, S.REPAIRING)
    receipt = walk(receipt, workshop, S.QUALITY_CHECK, S.REPAIRING, S.QUALITY_CHECK, S.READY)
    assert receipt.stage == S.READY


def test_agent_cannot_move_stages(depot_ticket, agent):
    receipt = take_in(depot_ticket, agent)
    with pytest.raises(ActionForbidden):
        services.receipt_stage_set(receipt=receipt, actor=agent, stage=S.DIAGNOSING)


def test_stale_version_refused(depot_ticket, agent, workshop):
    receipt = take_in(depot_ticket, agent)
    services.receipt_stage_set(receipt=receipt, actor=workshop, stage=S.DIAGNOSING)
    with pytest.raises(services.StaleVersion):
        services.receipt_stage_set(
            receipt=receipt, actor=workshop, stage=S.REPAIRING, expected_version=receipt.version
        )


def test_ready_notifies_customer_once(depot_ticket, agent, workshop):
    receipt = walk(take_in(depot_ticket, agent), workshop, *READY_PATH)
    rows = Notification.objects.filter(kind="depot_stage", ticket=depot_ticket)
    assert rows.count() >= 1
    assert {row.dedupe_key for row in rows} == {f"depot-ready:{receipt.pk}"}


def test_return_requires_signature_and_ready(depot_ticket, agent, workshop):
    receipt = take_in(depot_ticket, agent)
    with pytest.raises(InvalidTransition):
        services.receipt_return(receipt=receipt, actor=agent, signature=SIGNATURE)
    receipt = walk(receipt, workshop, *READY_PATH)
    with pytest.raises(ValidationError) as exc:
        services.receipt_return(receipt=receipt, actor=agent, signature="")
    assert "signature" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.receipt_return(receipt=receipt, actor=agent, signature="data:text/html,<b>")


def test_return_closes_receipt_read_only(depot_ticket, agent, workshop, loan_model):
    unit = services.loan_unit_create(
        actor=workshop, number="LU-1", product_model=loan_model, serial_number="L1"
    )
    receipt = take_in(depot_ticket, agent, loan_unit=unit)
    unit.refresh_from_db()
    assert unit.status == LoanStatus.LENT
    receipt = walk(receipt, workshop, *READY_PATH)
    receipt = services.receipt_return(receipt=receipt, actor=agent, signature=SIGNATURE)
    assert receipt.status == ReceiptStatus.CLOSED and receipt.stage == S.RETURNED
    assert receipt.return_signature and receipt.returned_at and receipt.loan_returned_at
    unit.refresh_from_db()
    assert unit.status == LoanStatus.AVAILABLE
    with pytest.raises(services.DepotError) as exc:
        services.receipt_stage_set(receipt=receipt, actor=workshop, stage=S.REPAIRING)
    assert exc.value.code == "receipt_closed"
    with pytest.raises(services.DepotError):
        services.receipt_return(receipt=receipt, actor=agent, signature=SIGNATURE)
    # A new repair of the same ticket gets a new receipt; the unit may be lent again.
    second = take_in(depot_ticket, agent, loan_unit=unit)
    assert second.number.endswith("-00002")


def test_loan_unit_cannot_be_lent_twice(depot_ticket, agent, workshop, loan_model):
    unit = services.loan_unit_create(
        actor=workshop, number="LU-2", product_model=loan_model, serial_number="L2"
    )
    take_in(depot_ticket, agent, loan_unit=unit)
    from tests.tickets.factories import make_ticket

    other = make_ticket(actor=agent, product=depot_ticket.product)
    with pytest.raises(services.DepotError) as exc:
        take_in(other, agent, loan_unit=unit)
    assert exc.value.code == "loan_unit_unavailable"


def test_loan_unit_out_of_service_not_while_lent(depot_ticket, agent, workshop, loan_model):
    unit = services.loan_unit_create(
        actor=workshop, number="LU-3", product_model=loan_model, serial_number="L3"
    )
    take_in(depot_ticket, agent, loan_unit=unit)
    with pytest.raises(services.DepotError):
        services.loan_unit_status_set(unit=unit, actor=workshop, status=LoanStatus.OUT_OF_SERVICE)


@pytest.mark.django_db(transaction=True)
def test_loan_race_one_winner(make_user, agent):
    from aftersales.roles import Role
    from tests.tickets.factories import CustomerFactory, ProductFactory, make_ticket

    workshop = make_user(Role.WORKSHOP, username="ws-race")
    product = ProductFactory(customer=CustomerFactory())
    tickets = [make_ticket(actor=agent, product=product) for _ in range(4)]
    unit = services.loan_unit_create(
        actor=workshop, number="LU-R", product_model=product.model, serial_number="LR"
    )
    receipts = [take_in(t, agent) for t in tickets]
    barrier = threading.Barrier(len(receipts))
    outcomes = []

    def lend(receipt):
        try:
            barrier.wait()
            services.receipt_loan_lend(receipt=receipt, loan_unit=unit, actor=workshop)
            outcomes.append("ok")
        except services.DepotError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=lend, args=(r,)) for r in receipts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["loan_unit_unavailable"] * 3 + ["ok"]
    assert EquipmentReceipt.objects.filter(loan_unit=unit).count() == 1
    assert LoanUnit.objects.get(pk=unit.pk).status == LoanStatus.LENT


# --- The turnaround clock ----------------------------------------------------------------

# Monday to Friday, 09:00–17:00 UTC: 8 working hours a day.
OFFICE = CalendarSpec.build("UTC", ["09:00-17:00"] * 5 + ["", ""])
MONDAY_9 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_plan_counts_business_hours():
    planned = turnaround.plan(MONDAY_9, target_hours=24, warning_fraction=0.75, spec=OFFICE)
    # 24 working hours = three 8-hour days: Monday..Wednesday, due Wednesday 17:00.
    assert planned.due_at == datetime.datetime(2026, 3, 4, 17, 0, tzinfo=UTC)
    assert planned.warn_at == datetime.datetime(2026, 3, 4, 11, 0, tzinfo=UTC)
    friday = datetime.datetime(2026, 3, 6, 13, 0, tzinfo=UTC)
    over_weekend = turnaround.plan(friday, target_hours=8, warning_fraction=0.5, spec=OFFICE)
    assert over_weekend.due_at == datetime.datetime(2026, 3, 9, 13, 0, tzinfo=UTC)


def test_pause_moves_the_due_instant_by_working_time_paused():
    paused_at = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday 15:00
    resumed = datetime.datetime(2026, 3, 3, 11, 0, tzinfo=UTC)  # Tuesday 11:00: 4 h paused
    seconds = turnaround.paused_after_resume(
        paused_seconds=0, paused_at=paused_at, now=resumed, spec=OFFICE
    )
    assert seconds == 4 * 3600
    planned = turnaround.plan(
        MONDAY_9, target_hours=24, warning_fraction=0.75, spec=OFFICE, paused_seconds=seconds
    )
    assert planned.due_at == datetime.datetime(2026, 3, 5, 13, 0, tzinfo=UTC)


def test_state_frozen_while_paused_and_met_when_ready():
    due = datetime.datetime(2026, 3, 4, 17, 0, tzinfo=UTC)
    warn = datetime.datetime(2026, 3, 4, 11, 0, tzinfo=UTC)
    late = due + datetime.timedelta(days=3)
    assert turnaround.state(due_at=due, warn_at=warn, now=MONDAY_9) == "on_track"
    assert turnaround.state(due_at=due, warn_at=warn, now=warn) == "at_risk"
    assert turnaround.state(due_at=due, warn_at=warn, now=late) == "breached"
    assert turnaround.state(due_at=due, warn_at=warn, now=late, paused_at=MONDAY_9) == "on_track"
    assert turnaround.state(due_at=due, warn_at=warn, now=late, ready_at=warn) == "met"


def _office_calendar():
    calendar = WorkingCalendar.objects.create(code="office", name="Office", time_zone="UTC")
    WorkingHours.objects.bulk_create(
        WorkingHours(calendar=calendar, weekday=d, start_minute=540, end_minute=1020)
        for d in range(5)
    )
    return calendar


def test_receipt_uses_configured_calendar_and_target(depot_ticket, agent, settings):
    _office_calendar()
    settings.DEPOT_CALENDAR = "office"
    settings.DEPOT_TURNAROUND_HOURS = 16
    receipt = take_in(depot_ticket, agent)
    assert receipt.calendar.code == "office"
    expected = turnaround.plan(
        receipt.received_at, target_hours=16, warning_fraction=0.75, spec=OFFICE
    )
    assert receipt.due_at == expected.due_at


def test_waiting_for_parts_pauses_the_clock(depot_ticket, agent, workshop, settings):
    _office_calendar()
    settings.DEPOT_CALENDAR = "office"
    receipt = walk(take_in(depot_ticket, agent), workshop, S.DIAGNOSING)
    receipt = services.receipt_stage_set(receipt=receipt, actor=workshop, stage=S.WAITING_PARTS)
    assert receipt.paused_at is not None and receipt.next_check_at is None
    due_before = receipt.due_at
    # Pretend the pause began two working days earlier (Monday 09:00 .. Tuesday 17:00).
    EquipmentReceipt.objects.filter(pk=receipt.pk).update(
        paused_at=receipt.paused_at - datetime.timedelta(days=7)
    )
    receipt = services.receipt_stage_set(receipt=receipt, actor=workshop, stage=S.REPAIRING)
    assert receipt.paused_at is None
    assert receipt.paused_seconds == 5 * 8 * 3600  # a whole working week paused
    assert receipt.due_at > due_before


def test_sweep_raises_warning_and_breach_once(depot_ticket, agent):
    receipt = take_in(depot_ticket, agent)
    later = receipt.due_at + datetime.timedelta(hours=1)
    assert services.turnaround_sweep(now=receipt.warn_at) == 1
    assert services.turnaround_sweep(now=receipt.warn_at) == 0
    assert services.turnaround_sweep(now=later) == 1
    assert services.turnaround_sweep(now=later) == 0
    receipt.refresh_from_db()
    assert receipt.warned_at and receipt.breached_at and receipt.next_check_at is None
    kinds = list(
        TicketEvent.objects.filter(ticket=depot_ticket, payload__clock="depot").values_list(
            "kind", flat=True
        )
    )
    assert sorted(kinds) == [EventKind.SLA_BREACH, EventKind.SLA_WARNING]


def test_sweep_skips_paused_and_ready(depot_ticket, agent, workshop):
    receipt = walk(take_in(depot_ticket, agent), workshop, S.DIAGNOSING, S.WAITING_PARTS)
    assert services.turnaround_sweep(now=receipt.due_at + datetime.timedelta(days=30)) == 0
    receipt = walk(receipt, workshop, S.REPAIRING, S.QUALITY_CHECK, S.READY)
    assert services.turnaround_sweep(now=receipt.due_at + datetime.timedelta(days=60)) == 0


def test_technician_brings_unit_from_own_job(depot_ticket, agent, supervisor, technician):
    from tests.tickets.factories import advance

    ticket = advance(
        depot_ticket, "on_site", desk=agent, supervisor=supervisor, technician=technician
    )
    receipt = take_in(ticket, technician.user)
    assert receipt.brought_by_technician is True


def test_take_in_refused_on_closed_ticket(depot_ticket, agent, supervisor, technician):
    from tests.tickets.factories import advance

    ticket = advance(
        depot_ticket, "closed", desk=agent, supervisor=supervisor, technician=technician
    )
    with pytest.raises(services.DepotError) as exc:
        take_in(ticket, agent)
    assert exc.value.code == "ticket_not_open"


def test_receipt_numbers_gap_free_after_rollback(depot_ticket, agent):
    from django.db import transaction

    from tests.tickets.factories import make_ticket

    with pytest.raises(RuntimeError), transaction.atomic():
        take_in(depot_ticket, agent)
        raise RuntimeError
    receipt = take_in(make_ticket(actor=agent, product=depot_ticket.product), agent)
    assert receipt.number.endswith("-00001")
