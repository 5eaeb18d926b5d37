"""The stock service: the ledger, levels, reservations, issues, counts and alerts."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from aftersales.exceptions import ActionForbidden, InsufficientStock, InvalidTransition
from audits.models import AuditEvent
from parts import services
from parts.choices import MovementKind, RecoveryStatus, ReservationStatus
from parts.models import ReorderAlert, StockLevel, StockMovement, StockReservation, TicketPart
from tests.parts.conftest import complete
from tests.parts.factories import LocationFactory, PartFactory
from tests.tickets.factories import TechnicianFactory

pytestmark = pytest.mark.django_db


def level(part, location):
    return StockLevel.objects.get(part=part, location=location)


def test_receipt_creates_level_movement_and_audit(part, warehouse, supervisor):
    movement = services.stock_receive(part=part, location=warehouse, quantity=7, actor=supervisor)
    assert movement.kind == MovementKind.RECEIPT and movement.to_location == warehouse
    assert (level(part, warehouse).on_hand, level(part, warehouse).reserved) == (7, 0)
    event = AuditEvent.objects.get(action="stock.receipt")
    assert event.changes["movements"] == [movement.pk]


def test_stock_writes_are_for_supervisors(part, warehouse, agent):
    with pytest.raises(ActionForbidden):
        services.stock_receive(part=part, location=warehouse, quantity=1, actor=agent)


def test_transfer_between_van_and_warehouse(part, warehouse, van, stock, supervisor):
    stock(part, warehouse, 10)
    services.stock_transfer(
        part=part, from_location=warehouse, to_location=van, quantity=4, actor=supervisor
    )
    services.stock_transfer(
        part=part, from_location=van, to_location=warehouse, quantity=1, actor=supervisor
    )
    assert level(part, warehouse).on_hand == 7
    assert level(part, van).on_hand == 3
    assert StockMovement.objects.filter(kind=MovementKind.TRANSFER).count() == 2


def test_transfer_more_than_available_is_insufficient_stock(
    part, warehouse, van, stock, supervisor
):
    stock(part, warehouse, 2)
    with pytest.raises(InsufficientStock) as error:
        services.stock_transfer(
            part=part, from_location=warehouse, to_location=van, quantity=3, actor=supervisor
        )
    assert error.value.code == "insufficient_stock"
    assert level(part, warehouse).on_hand == 2
    assert not StockLevel.objects.filter(location=van, on_hand__gt=0).exists()


def test_movement_post_checks_sides(part, warehouse, supervisor):
    with pytest.raises(ValidationError) as error:
        services.stock_movement_post(
            actor=supervisor, kind="receipt", part=part, quantity=1, from_location=warehouse
        )
    assert "to_location" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.stock_movement_post(
            actor=supervisor, kind="adjustment", part=part, quantity=1, to_location=warehouse
        )  # no reason
    with pytest.raises(ValidationError):
        services.stock_movement_post(
            actor=supervisor, kind="issue", part=part, quantity=1, from_location=warehouse
        )


def test_adjustment_and_scrap(part, warehouse, stock, supervisor):
    stock(part, warehouse, 5)
    services.stock_movement_post(
        actor=supervisor,
        kind="adjustment",
        part=part,
        quantity=2,
        from_location=warehouse,
        reason="Damaged in storage",
    )
    services.stock_movement_post(
        actor=supervisor, kind="scrap", part=part, quantity=1, from_location=warehouse
    )
    assert level(part, warehouse).on_hand == 2


def test_database_constraints_keep_levels_sane(part, warehouse, stock):
    stock(part, warehouse, 1)
    for values in ({"on_hand": -1}, {"reserved": -1}, {"reserved": 2}):
        with pytest.raises(IntegrityError), transaction.atomic():
            StockLevel.objects.filter(part=part, location=warehouse).update(**values)


# --- Tickets -----------------------------------------------------------------------------


def test_dispatch_reserves_and_cancel_releases(part, warehouse, stock, job, agent):
    stock(part, warehouse, 3)
    ticket = job(status="dispatched", parts=[{"part": part, "quantity": 2, "location": warehouse}])
    assert (level(part, warehouse).on_hand, level(part, warehouse).reserved) == (3, 2)
    from tickets import services as tickets

    tickets.ticket_cancel(ticket=ticket, actor=agent, reason="Customer withdrew")
    assert (level(part, warehouse).on_hand, level(part, warehouse).reserved) == (3, 0)
    assert StockReservation.objects.get().status == ReservationStatus.RELEASED
    assert AuditEvent.objects.filter(action="stock.released", ticket=ticket).exists()


def test_dispatch_reserving_more_than_available_fails_whole_dispatch(part, warehouse, stock, job):
    stock(part, warehouse, 1)
    with pytest.raises(InsufficientStock):
        job(status="dispatched", parts=[{"part": part, "quantity": 2, "location": warehouse}])
    assert level(part, warehouse).reserved == 0
    from tickets.models import Ticket

    assert Ticket.objects.get().status == "triaged"


def test_complete_issues_from_van_and_releases_unused(part, warehouse, van, stock, job, technician):
    other = PartFactory()
    stock(part, van, 3)
    stock(other, warehouse, 2)
    ticket = job(
        parts=[
            {"part": part, "quantity": 2},  # from the van by default
            {"part": other, "quantity": 1, "location": warehouse},
        ]
    )
    assert level(part, van).reserved == 2 and level(other, warehouse).reserved == 1
    complete(ticket, technician, [{"part": part, "quantity": 1, "fitted_serial": "NEW-1"}])
    assert (level(part, van).on_hand, level(part, van).reserved) == (2, 0)
    assert (level(other, warehouse).on_hand, level(other, warehouse).reserved) == (2, 0)
    statuses = dict(StockReservation.objects.values_list("part_id", "status"))
    assert statuses == {part.pk: ReservationStatus.ISSUED, other.pk: ReservationStatus.RELEASED}
    issue = StockMovement.objects.get(kind=MovementKind.ISSUE)
    assert (issue.ticket_id, issue.from_location_id, issue.quantity) == (ticket.pk, van.pk, 1)
    assert issue.user == technician.user


def test_complete_with_too_few_units_rolls_back_the_transition(part, van, stock, job, technician):
    stock(part, van, 1)
    ticket = job()
    with pytest.raises(InsufficientStock):
        complete(ticket, technician, [{"part": part, "quantity": 2}])
    ticket.refresh_from_db()
    assert ticket.status == "on_site"
    assert not StockMovement.objects.filter(kind=MovementKind.ISSUE).exists()


def test_only_approved_parts_are_issued(van, stock, job, technician):
    part = PartFactory(approved=False)
    stock(part, van, 1)
    ticket = job()
    with pytest.raises(ValidationError) as error:
        complete(ticket, technician, [{"part": part, "quantity": 1}])
    assert "parts_used" in error.value.message_dict


def test_charges_in_warranty_covered_part_is_free(part, van, stock, job, technician):
    stock(part, van, 2)
    ticket = job(warranty="in_warranty")
    complete(ticket, technician, [{"part": part, "quantity": 2}])
    line = TicketPart.objects.get()
    assert (line.charged, line.unit_price, line.amount) == (False, Decimal("65.00"), 0)


def test_charges_in_warranty_non_covered_part_is_charged(van, stock, job, technician):
    part = PartFactory(warranty_covered=False, unit_price=Decimal("12.50"))
    stock(part, van, 2)
    ticket = job(warranty="in_warranty")
    complete(ticket, technician, [{"part": part, "quantity": 2}])
    line = TicketPart.objects.get()
    assert line.charged and line.amount == Decimal("25.00")


def test_charges_out_of_warranty_are_charged_and_cannot_be_waived(
    part, van, stock, job, technician
):
    stock(part, van, 2)
    ticket = job(warranty="out_of_warranty")
    with pytest.raises(ValidationError):
        complete(ticket, technician, [{"part": part, "quantity": 1, "charged": False}])
    ticket.refresh_from_db()  # the refused completion rolled back
    complete(ticket, technician, [{"part": part, "quantity": 1}])
    line = TicketPart.objects.get()
    assert line.charged and line.amount == Decimal("65.00")
    from parts.selectors import ticket_parts_summary

    summary = ticket_parts_summary(ticket=ticket)
    assert summary["charged_total"] == Decimal("65.00") and summary["charged_lines"] == 1


def test_goodwill_is_free(part, van, stock, job, technician):
    stock(part, van, 1)
    ticket = job(warranty="goodwill")
    complete(ticket, technician, [{"part": part, "quantity": 1}])
    assert TicketPart.objects.get().charged is False


def test_cancel_of_on_site_ticket_is_refused_and_keeps_reservations(part, van, stock, job, agent):
    stock(part, van, 1)
    ticket = job(parts=[{"part": part, "quantity": 1}])
    from tickets import services as tickets

    with pytest.raises(InvalidTransition):
        tickets.ticket_cancel(ticket=ticket, actor=agent, reason="x")
    assert level(part, van).reserved == 1


# --- Recovery and traceability -----------------------------------------------------------


def test_defective_part_is_recovered_and_refurbished(
    part, van, warehouse, stock, job, technician, supervisor
):
    stock(part, van, 1)
    ticket = job()
    used = {"part": part, "quantity": 1, "fitted_serial": "NEW-9", "removed_serial": "OLD-3"}
    complete(ticket, technician, [used])
    line = TicketPart.objects.get()
    assert (line.fitted_serial, line.removed_serial) == ("NEW-9", "OLD-3")
    assert line.recovery_status == RecoveryStatus.PENDING
    movement = services.recovered_part_refurbish(
        ticket_part=line, location=warehouse, actor=supervisor
    )
    assert movement.kind == MovementKind.RECOVERY and movement.ticket_id == ticket.pk
    assert level(part, warehouse).on_hand == 1
    line.refresh_from_db()
    assert line.recovery_status == RecoveryStatus.REFURBISHED
    with pytest.raises(ValidationError):
        services.recovered_part_scrap(ticket_part=line, actor=supervisor)


# --- Counts ------------------------------------------------------------------------------


def test_count_variance_is_posted_as_adjustments(part, warehouse, stock, supervisor):
    other, untouched = PartFactory(), PartFactory()
    stock(part, warehouse, 10)
    stock(other, warehouse, 3)
    stock(untouched, warehouse, 4)
    count = services.stock_count_open(location=warehouse, actor=supervisor)
    services.stock_count_record(count=count, part=part, counted=8, actor=supervisor)
    services.stock_count_record(count=count, part=other, counted=5, actor=supervisor)
    services.stock_count_record(count=count, part=untouched, counted=4, actor=supervisor)
    services.stock_count_approve(count=count, actor=supervisor)
    assert level(part, warehouse).on_hand == 8
    assert level(other, warehouse).on_hand == 5
    adjustments = StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT)
    assert {(m.part_id, m.from_location_id, m.to_location_id, m.quantity) for m in adjustments} == {
        (part.pk, warehouse.pk, None, 2),
        (other.pk, None, warehouse.pk, 2),
    }
    assert dict(count.lines.values_list("part_id", "expected")) == {
        part.pk: 10,
        other.pk: 3,
        untouched.pk: 4,
    }
    with pytest.raises(ValidationError):
        services.stock_count_approve(count=count, actor=supervisor)


# --- Reorder alerts ----------------------------------------------------------------------


def test_reorder_alert_raised_once_and_cleared(warehouse, van, stock, supervisor):
    part = PartFactory(reorder_point=3)
    stock(part, warehouse, 6)

    def move(quantity):
        services.stock_transfer(
            part=part,
            from_location=warehouse,
            to_location=van,
            quantity=quantity,
            actor=supervisor,
        )

    move(2)  # available 4: above the line (the van, at 2, has its own alert)
    assert not ReorderAlert.objects.filter(location=warehouse).exists()
    move(1)  # 3: falls to the reorder point
    move(1)  # 2: still below, no second alert
    move(1)  # 1
    alert = ReorderAlert.objects.get(location=warehouse)
    assert alert.cleared_at is None and alert.available == 3
    assert level(part, warehouse).below_reorder
    assert AuditEvent.objects.filter(action="stock.below_reorder").count() == 2  # + the van
    stock(part, warehouse, 10)  # replenished
    alert.refresh_from_db()
    assert alert.cleared_at is not None
    assert not level(part, warehouse).below_reorder
    move(9)  # down again: a new alert
    assert ReorderAlert.objects.filter(location=warehouse, cleared_at__isnull=True).count() == 1
    assert ReorderAlert.objects.filter(location=warehouse).count() == 2


def test_reservations_count_against_the_reorder_point(warehouse, stock, job):
    part = PartFactory(reorder_point=2)
    stock(part, warehouse, 4)
    job(status="dispatched", parts=[{"part": part, "quantity": 2, "location": warehouse}])
    assert level(part, warehouse).below_reorder
    assert ReorderAlert.objects.filter(part=part).count() == 1


def test_new_reorder_point_reevaluates_levels(part, warehouse, stock, supervisor):
    stock(part, warehouse, 5)
    services.part_update(part=part, actor=supervisor, reorder_point=5)
    assert level(part, warehouse).below_reorder
    assert ReorderAlert.objects.filter(part=part, cleared_at__isnull=True).exists()


# --- Locations ---------------------------------------------------------------------------


def test_technician_create_creates_their_van(supervisor, make_user):
    from technicians.services import technician_create

    technician = technician_create(
        actor=supervisor,
        username="tech9",
        full_name="Li Lei",
        phone="13700000009",
        employee_no="T9",
    )
    assert technician.van.kind == "van" and technician.van.code == "VAN-T9"


def test_a_van_belongs_to_one_technician(supervisor):
    technician = TechnicianFactory(user__username="techx")
    with pytest.raises(ValidationError):
        services.location_create(actor=supervisor, code="V1", name="Van", kind="van")
    services.location_create_van(technician=technician, actor=supervisor)
    with pytest.raises(ValidationError):
        services.location_create(
            actor=supervisor, code="V2", name="Van", kind="van", technician=technician
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        LocationFactory(code="WH-X", technician=TechnicianFactory(user__username="techy"))


def test_a_job_does_not_take_parts_from_another_technicians_van(part, stock, job, technician):
    other_van = services.location_create_van(
        technician=TechnicianFactory(user__username="tech5"), actor=None
    )
    stock(part, other_van, 1)
    ticket = job()
    with pytest.raises(ValidationError) as error:
        complete(ticket, technician, [{"part": part, "quantity": 1, "location": other_van}])
    assert "parts_used" in error.value.message_dict


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql",
    reason="the append-only trigger is PostgreSQL's",
)
def test_database_refuses_to_edit_or_delete_a_movement(part, warehouse, stock):
    movement = stock(part, warehouse, 3)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).update(quantity=30)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).delete()
    assert StockMovement.objects.get(pk=movement.pk).quantity == 3
