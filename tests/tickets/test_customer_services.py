"""The customer page's and intake's services: contact edits, the right to correct, a call
resolved on the phone (issue 13 §5–6). Audit events written, refusals, roles."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftersales.exceptions import ActionForbidden
from aftersales.platform.models import Notification, NotificationStatus
from audits.models import AuditEvent
from audits.personal import event_changes, is_encrypted
from tests.tickets.factories import CustomerFactory, ProductFactory
from tickets import services
from tickets.choices import TicketStatus
from tickets.models import Customer, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def _events(customer, action):
    return list(
        AuditEvent.objects.filter(
            object_type="tickets.customer", object_id=str(customer.pk), action=action
        )
    )


# --- Contact details ---------------------------------------------------------------------


def test_customer_update_writes_one_event_with_before_and_after(agent):
    customer = CustomerFactory(address="1 Old Road", language="en")
    updated = services.customer_update(
        customer=customer, actor=agent, address="2 New Road", language="zh-hans"
    )
    assert (updated.address, updated.language) == ("2 New Road", "zh-hans")
    [event] = _events(customer, "customer.updated")
    assert is_encrypted(event.changes["address"])  # personal values never in clear
    assert event_changes(event) == {
        "address": ["1 Old Road", "2 New Road"],
        "language": ["en", "zh-hans"],
    }


def test_customer_update_without_a_change_writes_nothing(agent):
    customer = CustomerFactory()
    services.customer_update(customer=customer, actor=agent, name=customer.name)
    assert _events(customer, "customer.updated") == []


def test_customer_update_refuses_a_taken_phone_and_a_blank_name(agent):
    CustomerFactory(phone="13900000077")
    customer = CustomerFactory()
    with pytest.raises(ValidationError) as taken:
        services.customer_update(customer=customer, actor=agent, phone="+86 139 0000 0077")
    assert "phone" in taken.value.message_dict
    with pytest.raises(ValidationError) as blank:
        services.customer_update(customer=customer, actor=agent, name="  ")
    assert "name" in blank.value.message_dict
    assert _events(customer, "customer.updated") == []


def test_customer_update_is_for_the_desk(auditor, technician):
    customer = CustomerFactory()
    for user in (auditor, technician.user):
        with pytest.raises(ActionForbidden):
            services.customer_update(customer=customer, actor=user, name="X")


def test_withdrawing_service_consent_on_the_contact_form_cancels_pending_messages(agent):
    customer = CustomerFactory()
    pending = Notification.objects.create(
        kind="dispatch_notice",
        channel="sms",
        recipient_key=f"customer:{customer.pk}",
        customer=customer,
        address=customer.phone,
        language="en",
    )
    services.customer_update(customer=customer, actor=agent, consent_service=False)
    pending.refresh_from_db()
    assert pending.status == NotificationStatus.NO_RECIPIENT


# --- The right to correct ----------------------------------------------------------------


def test_customer_correct_records_the_field_before_after_and_the_reason(supervisor):
    customer = CustomerFactory(name="Chen Jng")
    services.customer_correct(
        customer=customer,
        actor=supervisor,
        field="name",
        value="Chen Jing",
        reason="Customer spelled it on the phone; ID card checked",
    )
    customer.refresh_from_db()
    assert customer.name == "Chen Jing"
    [event] = _events(customer, "customer.corrected")
    assert event.actor == supervisor
    assert event_changes(event) == {
        "name": ["Chen Jng", "Chen Jing"],
        "reason": "Customer spelled it on the phone; ID card checked",
    }


def test_customer_correct_normalises_a_phone_and_agents_may_correct_too(agent):
    customer = CustomerFactory(phone="13900000001")
    services.customer_correct(
        customer=customer, actor=agent, field="phone", value="139-0000-0002", reason="Typo"
    )
    assert Customer.objects.get(pk=customer.pk).phone == "13900000002"


@pytest.mark.parametrize(
    ("field", "value", "reason", "error"),
    [
        ("name", "New", "", "reason"),
        ("tier", "vip", "Asked", "field"),
        ("email", "not-an-address", "Asked", "email"),
        ("address", "1 Century Avenue", "Asked", "value"),  # already the stored value
    ],
)
def test_customer_correct_refusals_write_nothing(agent, field, value, reason, error):
    customer = CustomerFactory(address="1 Century Avenue")
    with pytest.raises(ValidationError) as refused:
        services.customer_correct(
            customer=customer, actor=agent, field=field, value=value, reason=reason
        )
    assert error in refused.value.message_dict
    assert _events(customer, "customer.corrected") == []


def test_customer_correct_is_refused_to_auditors_and_for_erased_customers(auditor, supervisor):
    customer = CustomerFactory()
    with pytest.raises(ActionForbidden):
        services.customer_correct(
            customer=customer, actor=auditor, field="name", value="X", reason="Asked"
        )
    services.customer_erase(customer=customer, actor=supervisor, reason="Asked")
    with pytest.raises(ValidationError):
        services.customer_correct(
            customer=customer, actor=supervisor, field="name", value="X", reason="Asked"
        )


# --- Intake resolved on the phone --------------------------------------------------------


def _call(**fields):
    return {
        "channel": "phone",
        "category": "repair",
        "description": "Display shows E1 after a power cut",
        "priority": "p3",
        **fields,
    }


def test_a_call_resolved_on_the_phone_is_triaged_and_resolved_in_one_go(agent):
    unit = ProductFactory()
    ticket = services.ticket_intake_resolve_remotely(
        actor=agent,
        customer=unit.customer,
        resolution="Guided a reset: unplugged for a minute",
        fault_class="user_error",
        **_call(product=unit),
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.AWAITING_CONFIRMATION
    assert (ticket.owner, ticket.fault_class, ticket.warranty_decision) == (
        agent,
        "user_error",
        "in_warranty",
    )
    assert ticket.resolution == "Guided a reset: unplugged for a minute"
    assert ticket.responded_at and ticket.completed_at
    steps = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", "action"))
    assert steps == [("created", ""), ("transition", "triage"), ("transition", "resolve_remotely")]
    actions = set(AuditEvent.objects.filter(ticket=ticket).values_list("action", flat=True))
    assert {"ticket.created", "ticket.triage", "ticket.resolve_remotely"} <= actions


def test_a_phone_fix_without_a_unit_and_an_expired_unit_are_out_of_warranty(agent):
    # Goodwill is a supervisor's override (tickets.warranty): never derived, not even for a
    # phone fix without a unit, which charges nothing anyway.
    customer = CustomerFactory()
    bare = services.ticket_intake_resolve_remotely(
        actor=agent, customer=customer, resolution="Explained the eco mode", **_call()
    )
    assert bare.warranty_decision == "out_of_warranty"
    old = ProductFactory(
        customer=customer, purchase_date=timezone.localdate() - datetime.timedelta(days=1000)
    )
    expired = services.ticket_intake_resolve_remotely(
        actor=agent, customer=customer, resolution="Reset", **_call(product=old)
    )
    assert expired.warranty_decision == "out_of_warranty"


def test_a_phone_fix_without_a_resolution_rolls_the_whole_intake_back(agent):
    with pytest.raises(services.IntakeRejected) as refused:
        services.ticket_intake_resolve_remotely(
            actor=agent,
            new_customer={"name": "Gao Yan", "phone": "13912340000"},
            resolution="  ",
            **_call(),
        )
    assert refused.value.part == "resolution"
    assert not Customer.objects.filter(phone="13912340000").exists()
    assert not Ticket.objects.exists()


def test_an_integrator_may_file_a_ticket_but_not_resolve_it_on_the_phone(integrator):
    customer = CustomerFactory(created_by=integrator)
    with pytest.raises(ActionForbidden):
        services.ticket_intake_resolve_remotely(
            actor=integrator, customer=customer, resolution="Reset", **_call()
        )
    assert not Ticket.objects.exists()
