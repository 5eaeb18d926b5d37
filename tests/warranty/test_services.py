"""The warranty's rules through the services: triage's derived decision, goodwill,
contracts (numbers, visits, renewal, cancel, expiry, reminders), the coverage."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftersales.exceptions import ActionForbidden, InvalidTransition
from aftersales.platform.models import Notification
from audits.models import AuditEvent
from tests.parts.factories import PartFactory
from tests.tickets.factories import ProductFactory, make_ticket
from tickets import services
from tickets.warranty import services as warranty
from tickets.warranty.coverage import ticket_coverage
from tickets.warranty.models import ServiceContract, TicketWarranty

from .conftest import years_ago

pytestmark = pytest.mark.django_db


def triage(ticket, actor, **kw):
    kw.setdefault("priority", "p3")
    return services.ticket_triage(ticket=ticket, actor=actor, **kw)


def contract_for(unit, supervisor, **kw):
    today = timezone.localdate()
    values = {
        "customer": unit.customer,
        "products": [unit],
        "kind": "extended_warranty",
        "starts_on": today - datetime.timedelta(days=30),
        "ends_on": today + datetime.timedelta(days=335),
        "fee": Decimal("380.00"),
        "visits_included": 1,
    }
    values.update(kw)
    return warranty.contract_create(actor=supervisor, **values)


def test_unit_in_warranty_for_its_compressor_not_for_labour(agent, old_unit):
    ticket = triage(make_ticket(actor=agent, product=old_unit), agent, part_group="compressor")
    assert ticket.warranty_decision == "out_of_warranty"
    record = TicketWarranty.objects.get(ticket=ticket)
    assert record.part_group == "compressor" and record.derived_decision == "out_of_warranty"
    cover = ticket_coverage(ticket)
    compressor_part = PartFactory(warranty_group="compressor")
    fan = PartFactory()
    assert not cover.labour and not cover.callout
    assert cover.covers_part(compressor_part) and not cover.covers_part(fan)
    until = (old_unit.purchase_date.replace(year=old_unit.purchase_date.year + 5)).isoformat()
    assert f"Compressor covered until {until} by the main-parts warranty." in cover.reasons


def test_explicit_decision_equal_to_the_derived_one_works_a_different_one_is_refused(
    agent, old_unit
):
    ticket = make_ticket(actor=agent, product=old_unit)
    with pytest.raises(ValidationError) as exc:
        triage(ticket, agent, warranty_decision="in_warranty")
    assert "derived" in str(exc.value)
    ticket.refresh_from_db()
    assert ticket.status == "new" and not TicketWarranty.objects.filter(ticket=ticket).exists()
    assert triage(ticket, agent, warranty_decision="out_of_warranty").status == "triaged"


def test_repair_time_extends_the_warranty(agent, supervisor, technician, model_with_terms):
    # Bought 12 months and 5 days ago: just out of warranty...
    today = timezone.localdate()
    unit = ProductFactory(model=model_with_terms, purchase_date=years_ago(1, days=5))
    assert triage(make_ticket(actor=agent, product=unit), agent).warranty_decision == (
        "out_of_warranty"
    )
    # ...but an earlier repair kept it 10 days in the workshop.
    earlier = make_ticket(actor=agent, product=unit)
    from tickets.models import Ticket

    Ticket.objects.filter(pk=earlier.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=200),
        completed_at=timezone.now() - datetime.timedelta(days=190),
        status="closed",
    )
    ticket = triage(make_ticket(actor=agent, product=unit), agent)
    assert ticket.warranty_decision == "in_warranty"
    record = TicketWarranty.objects.get(ticket=ticket)
    assert any("extended by 10 days under repair" in r for r in record.reasons)
    assert today  # the day the ticket was filed


def test_repair_extension_switched_off_globally(agent, model_with_terms, settings):
    settings.WARRANTY_REPAIR_DAYS_EXTEND = False
    unit = ProductFactory(model=model_with_terms, purchase_date=years_ago(1, days=5))
    earlier = make_ticket(actor=agent, product=unit)
    from tickets.models import Ticket

    Ticket.objects.filter(pk=earlier.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=200),
        completed_at=timezone.now() - datetime.timedelta(days=190),
    )
    assert triage(make_ticket(actor=agent, product=unit), agent).warranty_decision == (
        "out_of_warranty"
    )


def test_a_contract_makes_a_visit_free_and_the_next_one_is_charged(agent, supervisor, old_unit):
    contract = contract_for(old_unit, supervisor, visits_included=1)
    first = triage(make_ticket(actor=agent, product=old_unit), agent)
    assert first.warranty_decision == "in_warranty"
    assert TicketWarranty.objects.get(ticket=first).contract == contract
    cover = ticket_coverage(first)
    assert cover.contract_id == contract.pk and cover.labour and cover.parts
    second = triage(make_ticket(actor=agent, product=old_unit), agent)
    assert second.warranty_decision == "out_of_warranty"
    assert TicketWarranty.objects.get(ticket=second).contract is None
    # a cancelled visit gives its visit back
    services.ticket_cancel(ticket=first, actor=agent, reason="Customer withdrew")
    third = triage(make_ticket(actor=agent, product=old_unit), agent)
    assert third.warranty_decision == "in_warranty"


def test_goodwill_needs_a_supervisor_and_a_reason(agent, supervisor, old_unit):
    ticket = make_ticket(actor=agent, product=old_unit)
    with pytest.raises(ActionForbidden):
        triage(ticket, agent, warranty_decision="goodwill", goodwill_reason="Loyal customer")
    with pytest.raises(ValidationError) as exc:
        triage(ticket, supervisor, warranty_decision="goodwill")
    assert "goodwill_reason" in exc.value.message_dict
    ticket.refresh_from_db()
    assert ticket.status == "new"
    assert not TicketWarranty.objects.filter(ticket=ticket).exists()
    assert not AuditEvent.objects.filter(action="warranty.goodwill_granted").exists()

    ticket = triage(
        ticket, supervisor, warranty_decision="goodwill", goodwill_reason="Second fault in a month"
    )
    assert ticket.warranty_decision == "goodwill"
    record = TicketWarranty.objects.get(ticket=ticket)
    assert record.goodwill_by == supervisor and record.derived_decision == "out_of_warranty"
    event = AuditEvent.objects.get(action="warranty.goodwill_granted")
    assert event.ticket_id == ticket.pk and event.actor == supervisor
    cover = ticket_coverage(ticket)
    assert cover.labour and cover.callout and cover.parts
    assert cover.reasons[0] == "Goodwill granted by a supervisor: Second fault in a month"


def test_no_unit_the_desk_decides(agent):
    ticket = triage(make_ticket(actor=agent), agent, warranty_decision="in_warranty")
    assert ticket.warranty_decision == "in_warranty"
    ticket2 = triage(make_ticket(actor=agent), agent)
    assert ticket2.warranty_decision == "out_of_warranty"


def test_unknown_part_group_is_refused(agent, old_unit):
    with pytest.raises(ValidationError):
        triage(make_ticket(actor=agent, product=old_unit), agent, part_group="turbine")


def test_contract_numbers_and_rules(supervisor, agent, old_unit):
    year = timezone.localdate().year
    first = contract_for(old_unit, supervisor)
    second = contract_for(old_unit, supervisor, kind="maintenance")
    assert first.number == f"SC-{year}-000001" and second.number == f"SC-{year}-000002"
    assert AuditEvent.objects.filter(action="warranty.contract_created").count() == 2
    with pytest.raises(ActionForbidden):
        contract_for(old_unit, agent)
    stranger = ProductFactory()
    with pytest.raises(ValidationError):
        contract_for(old_unit, supervisor, products=[stranger])
    with pytest.raises(ValidationError):
        contract_for(
            old_unit, supervisor, ends_on=timezone.localdate() - datetime.timedelta(days=60)
        )
    assert ServiceContract.objects.count() == 2


def test_renew_and_cancel(supervisor, old_unit):
    contract = contract_for(old_unit, supervisor)
    renewal = warranty.contract_renew(contract=contract, actor=supervisor)
    assert renewal.renewed_from == contract
    assert renewal.starts_on == contract.ends_on + datetime.timedelta(days=1)
    assert renewal.ends_on - renewal.starts_on == contract.ends_on - contract.starts_on
    assert list(renewal.products.all()) == [old_unit]
    with pytest.raises(InvalidTransition):
        warranty.contract_renew(contract=contract, actor=supervisor)
    with pytest.raises(ValidationError):
        warranty.contract_cancel(contract=renewal, actor=supervisor, reason=" ")
    cancelled = warranty.contract_cancel(contract=renewal, actor=supervisor, reason="Moved away")
    assert cancelled.status == "cancelled"
    with pytest.raises(InvalidTransition):
        warranty.contract_cancel(contract=renewal, actor=supervisor, reason="again")
    assert AuditEvent.objects.filter(action="warranty.contract_cancelled").count() == 1


def test_expiry_and_reminders_once(supervisor, old_unit, settings):
    settings.CONTRACT_REMINDER_DAYS = 30
    today = timezone.localdate()
    soon = contract_for(old_unit, supervisor, ends_on=today + datetime.timedelta(days=10))
    later = contract_for(old_unit, supervisor, ends_on=today + datetime.timedelta(days=100))
    ended = contract_for(old_unit, supervisor, ends_on=today - datetime.timedelta(days=1))
    old_unit.customer.email = "li@example.com"
    old_unit.customer.save()
    assert warranty.contracts_sweep(today=today) == {"expired": 1, "reminded": 1}
    assert warranty.contracts_sweep(today=today) == {"expired": 0, "reminded": 0}
    assert warranty.contracts_sweep(today=today + datetime.timedelta(days=1)) == {
        "expired": 0,
        "reminded": 0,
    }
    rows = Notification.objects.filter(kind="contract_expiry")
    assert rows.count() >= 1
    assert {r.dedupe_key for r in rows} == {f"contract-expiry:{soon.pk}"}
    assert soon.number in rows.first().subject or soon.number in rows.first().body
    ended.refresh_from_db()
    later.refresh_from_db()
    assert ended.status == "expired" and later.reminder_sent_on is None


def test_a_renewed_contract_is_not_reminded(supervisor, old_unit):
    today = timezone.localdate()
    soon = contract_for(old_unit, supervisor, ends_on=today + datetime.timedelta(days=10))
    warranty.contract_renew(contract=soon, actor=supervisor)
    assert warranty.contract_reminders_send(today=today) == 0


def test_terms_writes_are_for_supervisors(agent, supervisor, compressor):
    from tests.tickets.factories import ProductModelFactory

    model = ProductModelFactory()
    with pytest.raises(ActionForbidden):
        warranty.warranty_term_create(actor=agent, product_model=model, scope="unit", months=12)
    term = warranty.warranty_term_create(
        actor=supervisor, product_model=model, scope="part_group", part_group=compressor, months=60
    )
    with pytest.raises(ValidationError):
        warranty.warranty_term_create(
            actor=supervisor,
            product_model=model,
            scope="part_group",
            part_group=compressor,
            months=6,
        )
    with pytest.raises(ValidationError):
        warranty.warranty_term_create(
            actor=supervisor, product_model=model, scope="part_group", months=6
        )
    term = warranty.warranty_term_update(term=term, actor=supervisor, months=72, expected_version=1)
    assert term.months == 72 and term.version == 2
    part = PartFactory()
    warranty.part_warranty_group_set(part=part, actor=supervisor, group_code="compressor")
    part.refresh_from_db()
    assert part.warranty_group == "compressor"
    assert AuditEvent.objects.filter(action__startswith="warranty.").count() == 3


def test_resolve_remotely_uses_the_derived_decision(agent, old_unit):
    ticket = services.ticket_intake_resolve_remotely(
        actor=agent,
        resolution="Reset the breaker",
        customer=old_unit.customer,
        product=old_unit,
        channel="phone",
        category="repair",
        description="No power",
    )
    assert ticket.warranty_decision == "out_of_warranty"
    assert TicketWarranty.objects.filter(ticket=ticket).exists()
