"""Outlet services, dispatch to an outlet and the outlet dispatcher's rights."""

import pytest
from django.core.exceptions import ValidationError

from aftersales.exceptions import ActionForbidden, InvalidTransition, NotQualified
from aftersales.platform.models import Notification, NotificationKind
from aftersales.roles import Role
from audits.models import AuditEvent
from technicians.outlets import services as outlet_services
from technicians.outlets.models import Outlet
from tests.outlets.factories import OutletFactory
from tests.tickets.factories import AreaFactory, TechnicianFactory, appointment
from tickets import services
from tickets.choices import EventKind, TicketStatus
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _dispatch(ticket, actor, technician):
    start, end = appointment()
    return services.ticket_dispatch(
        ticket=ticket,
        actor=actor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )


# --- outlets ---------------------------------------------------------------------------


def test_outlet_create_is_audited_with_its_areas(supervisor):
    area = AreaFactory()
    outlet = outlet_services.outlet_create(
        actor=supervisor,
        code="sh-01",
        name="Shanghai East",
        kind="partner",
        company_name="Huadong Repair Co.",
        areas=[area],
    )
    assert outlet.code == "SH-01"
    assert list(outlet.areas.all()) == [area]
    event = AuditEvent.objects.get(action="outlet.created", object_id=str(outlet.pk))
    assert event.changes["areas"] == [area.pk]


def test_partner_outlet_needs_company_name(supervisor):
    with pytest.raises(ValidationError):
        outlet_services.outlet_create(actor=supervisor, code="P1", name="P", kind="partner")
    assert not Outlet.objects.exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.OUTLET_DISPATCHER, Role.AUDITOR])
def test_only_supervisors_write_outlets(make_user, role):
    user = make_user(role)
    with pytest.raises(ActionForbidden):
        outlet_services.outlet_create(actor=user, code="X", name="X")
    outlet = OutletFactory()
    with pytest.raises(ActionForbidden):
        outlet_services.outlet_update(outlet=outlet, actor=user, name="Y")
    outlet.refresh_from_db()
    assert outlet.name != "Y"
    assert not AuditEvent.objects.filter(action__startswith="outlet.").exists()


def test_outlet_update_records_before_and_after(supervisor):
    outlet = OutletFactory(name="Old")
    outlet_services.outlet_update(outlet=outlet, actor=supervisor, name="New", published=False)
    outlet.refresh_from_db()
    assert (outlet.name, outlet.published) == ("New", False)
    event = AuditEvent.objects.get(action="outlet.updated")
    assert event.changes["name"] == ["Old", "New"]


def test_set_areas_and_dispatchers(supervisor, dispatcher, agent):
    outlet = OutletFactory()
    a, b = AreaFactory(code="minhang", name="Minhang"), AreaFactory(code="xuhui", name="Xuhui")
    outlet_services.outlet_set_areas(outlet=outlet, actor=supervisor, areas=[a, b])
    assert set(outlet.areas.all()) == {a, b}
    outlet_services.outlet_add_dispatcher(outlet=outlet, actor=supervisor, user=dispatcher)
    assert list(outlet.dispatchers.all()) == [dispatcher]
    with pytest.raises(ValidationError):  # an agent is not an outlet dispatcher
        outlet_services.outlet_add_dispatcher(outlet=outlet, actor=supervisor, user=agent)
    outlet_services.outlet_remove_dispatcher(outlet=outlet, actor=supervisor, user=dispatcher)
    assert not outlet.dispatchers.exists()
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-3:] == [
        "outlet.areas_set",
        "outlet.dispatcher_added",
        "outlet.dispatcher_removed",
    ]


def test_add_technician_sets_outlet_and_restock_location(supervisor):
    from parts.models import StockLocation

    location = StockLocation.objects.create(code="OUT-SH", name="Outlet store", kind="outlet")
    outlet = OutletFactory(stock_location=location)
    tech = TechnicianFactory()
    outlet_services.outlet_add_technician(outlet=outlet, actor=supervisor, technician=tech)
    tech.refresh_from_db()
    assert (tech.outlet_id, tech.home_outlet_id) == (outlet.pk, location.pk)
    outlet_services.outlet_remove_technician(outlet=outlet, actor=supervisor, technician=tech)
    tech.refresh_from_db()
    assert tech.outlet_id is None
    with pytest.raises(ValidationError):
        outlet_services.outlet_remove_technician(outlet=outlet, actor=supervisor, technician=tech)


# --- dispatch to an outlet -------------------------------------------------------------


def test_dispatch_to_outlet_records_timeline_audit_and_tells_dispatchers(
    triaged, supervisor, partner, dispatcher
):
    ticket = triaged()
    version = ticket.version
    ticket = services.ticket_dispatch_to_outlet(
        ticket=ticket, actor=supervisor, outlet=partner, note="Customer prefers mornings"
    )
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.outlet_id, stored.version, stored.status) == (
        partner.pk,
        version + 1,
        TicketStatus.TRIAGED,
    )
    assert stored.dispatched_at is None  # the SLA's dispatch clock still runs
    event = stored.events.get(kind=EventKind.OUTLET_DISPATCH)
    assert event.payload["outlet_code"] == "PART"
    assert AuditEvent.objects.filter(action="ticket.dispatch_to_outlet", ticket=stored).exists()
    told = Notification.objects.filter(kind=NotificationKind.OUTLET_DISPATCH, ticket=stored)
    assert {n.user_id for n in told} == {dispatcher.pk}
    assert stored.number in told.first().subject


def test_dispatch_to_outlet_outside_its_area_is_refused(triaged, supervisor):
    elsewhere = OutletFactory(areas=[AreaFactory(code="jiading", name="Jiading")])
    ticket = triaged()
    with pytest.raises(services.OutletNotServing):
        services.ticket_dispatch_to_outlet(ticket=ticket, actor=supervisor, outlet=elsewhere)
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.outlet_id, stored.version) == (None, ticket.version)
    assert not stored.events.filter(kind=EventKind.OUTLET_DISPATCH).exists()
    assert not Notification.objects.filter(kind=NotificationKind.OUTLET_DISPATCH).exists()


def test_dispatch_to_inactive_outlet_is_refused(triaged, supervisor):
    outlet = OutletFactory(active=False)
    with pytest.raises(services.OutletNotServing):
        services.ticket_dispatch_to_outlet(ticket=triaged(), actor=supervisor, outlet=outlet)


def test_only_supervisors_send_to_an_outlet(triaged, agent, dispatcher, partner):
    ticket = triaged()
    for actor in (agent, dispatcher):
        with pytest.raises(ActionForbidden):
            services.ticket_dispatch_to_outlet(ticket=ticket, actor=actor, outlet=partner)
    assert Ticket.objects.get(pk=ticket.pk).outlet_id is None


def test_only_triaged_tickets_go_to_an_outlet(agent, supervisor, partner):
    from tests.tickets.factories import make_ticket

    ticket = make_ticket(actor=agent)
    with pytest.raises(InvalidTransition):
        services.ticket_dispatch_to_outlet(ticket=ticket, actor=supervisor, outlet=partner)


# --- the outlet's dispatcher assigns its technicians -----------------------------------


def test_outlet_dispatcher_assigns_an_outlet_technician(outlet_ticket, dispatcher, partner_tech):
    ticket = _dispatch(outlet_ticket, dispatcher, partner_tech)
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.status == TicketStatus.DISPATCHED
    assert stored.technician_id == partner_tech.pk
    assert stored.dispatched_at is not None  # assigning the technician is the dispatch


def test_uncertified_partner_technician_is_refused(outlet_ticket, dispatcher, partner):
    uncertified = TechnicianFactory(outlet=partner, certified_for=[])
    with pytest.raises(NotQualified) as caught:
        _dispatch(outlet_ticket, dispatcher, uncertified)
    assert caught.value.extra["reasons"] == ["not_certified"]
    stored = Ticket.objects.get(pk=outlet_ticket.pk)
    assert (stored.status, stored.technician_id) == (TicketStatus.TRIAGED, None)


def test_uncertified_partner_technician_is_refused_to_a_supervisor_too(
    triaged, supervisor, partner
):
    uncertified = TechnicianFactory(outlet=partner, certified_for=[])
    with pytest.raises(NotQualified):
        _dispatch(triaged(), supervisor, uncertified)


def test_technician_of_another_outlet_is_refused(outlet_ticket, dispatcher, other_outlet):
    stranger = TechnicianFactory(outlet=other_outlet)
    with pytest.raises(NotQualified) as caught:
        _dispatch(outlet_ticket, dispatcher, stranger)
    assert caught.value.extra["reasons"] == ["not_in_outlet"]


def test_supervisor_too_keeps_an_outlet_ticket_within_its_technicians(outlet_ticket, supervisor):
    own = TechnicianFactory()  # no outlet
    with pytest.raises(NotQualified):
        _dispatch(outlet_ticket, supervisor, own)


def test_outlet_dispatcher_cannot_touch_other_outlets_tickets(
    triaged, supervisor, other_outlet, other_dispatcher, dispatcher, partner_tech
):
    ticket = services.ticket_dispatch_to_outlet(
        ticket=triaged(), actor=supervisor, outlet=other_outlet
    )
    with pytest.raises(ActionForbidden):
        _dispatch(ticket, dispatcher, partner_tech)
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.TRIAGED


def test_outlet_dispatcher_cannot_dispatch_unrouted_tickets(triaged, dispatcher, partner_tech):
    with pytest.raises(ActionForbidden):
        _dispatch(triaged(), dispatcher, partner_tech)


def test_outlet_dispatcher_may_only_dispatch_and_reschedule(
    outlet_ticket, dispatcher, partner_tech
):
    allowed = services.ticket_allowed_actions(ticket=outlet_ticket, actor=dispatcher)
    assert allowed == ["dispatch"]
    ticket = _dispatch(outlet_ticket, dispatcher, partner_tech)
    assert services.ticket_allowed_actions(ticket=ticket, actor=dispatcher) == ["reschedule"]
    start, end = appointment(days=2)
    ticket = services.ticket_reschedule(
        ticket=ticket,
        actor=dispatcher,
        appointment_start=start,
        appointment_end=end,
        reason="Customer away",
    )
    assert Ticket.objects.get(pk=ticket.pk).appointment_start == start
    with pytest.raises(ActionForbidden):
        services.ticket_cancel(ticket=ticket, actor=dispatcher, reason="no")


def test_partner_technician_works_the_job_like_anyone(
    outlet_ticket, dispatcher, partner_tech, agent, supervisor
):
    ticket = _dispatch(outlet_ticket, dispatcher, partner_tech)
    ticket = services.ticket_check_in(ticket=ticket, actor=partner_tech.user)
    ticket = services.ticket_complete(
        ticket=ticket,
        actor=partner_tech.user,
        fault_class="hardware",
        fault_code="E4",
        diagnosis="Relay",
        work_done="Relay replaced",
        test_passed=True,
    )
    ticket = services.ticket_confirm(
        ticket=ticket, actor=partner_tech.user, accepted=True, satisfaction=5
    )
    assert ticket.status == TicketStatus.CLOSED
    assert Ticket.objects.visible_to(partner_tech.user).filter(pk=ticket.pk).exists()


def test_visible_to_outlet_dispatcher(outlet_ticket, triaged, dispatcher, other_dispatcher):
    unrouted = triaged()
    assert list(Ticket.objects.visible_to(dispatcher)) == [outlet_ticket]
    assert not Ticket.objects.visible_to(other_dispatcher).exists()
    assert unrouted not in Ticket.objects.visible_to(dispatcher)
    from tickets.models import Customer

    assert list(Customer.objects.visible_to(dispatcher)) == [outlet_ticket.customer]
