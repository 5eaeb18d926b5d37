"""The warranty's pages through the Django client: the triage section with the derived
decision and goodwill, the customer page's scopes and contracts, the contract pages and
each of their forms (outcomes checked in the database)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from audits.models import AuditEvent
from tests.tickets.factories import make_ticket
from tickets.warranty import services as warranty
from tickets.warranty.models import ServiceContract, TicketWarranty

pytestmark = pytest.mark.django_db


def _contract(unit, supervisor, **kw):
    today = timezone.localdate()
    values = {
        "customer": unit.customer,
        "products": [unit],
        "kind": "extended_warranty",
        "starts_on": today - datetime.timedelta(days=5),
        "ends_on": today + datetime.timedelta(days=360),
        "fee": "300.00",
        "visits_included": 2,
    }
    values.update(kw)
    values["fee"] = Decimal(values["fee"])
    return warranty.contract_create(actor=supervisor, **values)


def test_triage_section_shows_the_derived_decision_and_reasons(client, agent, old_unit):
    ticket = make_ticket(actor=agent, product=old_unit)
    client.force_login(agent)
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'data-derived-decision="out_of_warranty"' in html
    assert "The labour warranty ended on" in html
    assert 'value="goodwill"' not in html  # an agent is not offered goodwill
    assert 'name="goodwill_reason"' not in html
    r = client.post(
        f"/tickets/{ticket.pk}/triage/",
        {
            "version": ticket.version,
            "priority": "p3",
            "category": "repair",
            "part_group": "compressor",
        },
    )
    assert r.status_code == 302
    ticket.refresh_from_db()
    assert ticket.warranty_decision == "out_of_warranty"
    assert TicketWarranty.objects.get(ticket=ticket).part_group == "compressor"
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Compressor covered until" in html


def test_supervisor_goodwill_on_the_page_needs_a_reason(client, agent, supervisor, old_unit):
    ticket = make_ticket(actor=agent, product=old_unit)
    client.force_login(supervisor)
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'value="goodwill"' in html and 'name="goodwill_reason"' in html
    body = {"version": ticket.version, "priority": "p3", "category": "repair"}
    r = client.post(f"/tickets/{ticket.pk}/triage/", {**body, "warranty_decision": "goodwill"})
    assert r.status_code == 400
    assert "Say why goodwill is granted" in r.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "new"
    r = client.post(
        f"/tickets/{ticket.pk}/triage/",
        {**body, "warranty_decision": "goodwill", "goodwill_reason": "Third visit this year"},
    )
    assert r.status_code == 302
    ticket.refresh_from_db()
    assert ticket.warranty_decision == "goodwill"
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Third visit this year" in html and "Goodwill granted by" in html


def test_customer_page_shows_scopes_and_contracts(client, supervisor, old_unit):
    contract = _contract(old_unit, supervisor)
    client.force_login(supervisor)
    html = client.get(f"/customers/{old_unit.customer_id}/").content.decode()
    assert "Warranty by scope" in html
    assert "Compressor" in html and "Labour" in html
    assert contract.number in html
    assert f"/contracts/new/?customer={old_unit.customer_id}" in html


def test_contract_create_form_in_each_mode(client, agent, supervisor, old_unit):
    url = f"/contracts/new/?customer={old_unit.customer_id}"
    client.force_login(agent)
    assert client.get(url).status_code == 403
    client.force_login(supervisor)
    assert client.get(url).status_code == 200
    today = timezone.localdate()
    base = {
        "customer": old_unit.customer_id,
        "products": [old_unit.pk],
        "kind": "maintenance",
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=364)).isoformat(),
        "fee": "199.00",
        "covers_labour": "on",
        "covers_callout": "on",
    }
    # limited visits, labour and call-out only
    r = client.post("/contracts/new/", {**base, "visits_included": "4"})
    assert r.status_code == 302
    contract = ServiceContract.objects.get()
    assert (contract.kind, contract.visits_included, contract.covers_parts) == (
        "maintenance",
        4,
        False,
    )
    assert str(contract.fee) == "199.00"
    # unlimited visits (empty), everything covered
    r = client.post(
        "/contracts/new/",
        {**base, "kind": "extended_warranty", "visits_included": "", "covers_parts": "on"},
    )
    assert r.status_code == 302
    unlimited = ServiceContract.objects.get(kind="extended_warranty")
    assert unlimited.visits_included is None and unlimited.covers_parts
    # refused: ends before it starts
    r = client.post(
        "/contracts/new/", {**base, "ends_on": (today - datetime.timedelta(days=1)).isoformat()}
    )
    assert r.status_code == 400 and "cannot end before it starts" in r.content.decode()
    assert ServiceContract.objects.count() == 2


def test_contract_renew_and_cancel_forms(client, agent, supervisor, old_unit):
    contract = _contract(old_unit, supervisor)
    client.force_login(agent)
    html = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert contract.number in html and "Renew contract" not in html
    assert client.post(f"/contracts/{contract.pk}/cancel/", {"reason": "x"}).status_code == 403
    client.force_login(supervisor)
    # renew with the defaults
    r = client.post(f"/contracts/{contract.pk}/renew/", {"ends_on": "", "fee": ""})
    renewal = ServiceContract.objects.get(renewed_from=contract)
    assert r.status_code == 302 and r["Location"] == f"/contracts/{renewal.pk}/"
    assert renewal.fee == contract.fee
    # renew again: refused on the page
    r = client.post(f"/contracts/{contract.pk}/renew/", {})
    assert r.status_code == 400 and "already renewed" in r.content.decode()
    # renew the renewal with its own end and fee
    ends = (renewal.ends_on + datetime.timedelta(days=180)).isoformat()
    r = client.post(f"/contracts/{renewal.pk}/renew/", {"ends_on": ends, "fee": "150.00"})
    third = ServiceContract.objects.get(renewed_from=renewal)
    assert third.ends_on.isoformat() == ends and str(third.fee) == "150.00"
    # cancel: without, then with a reason
    r = client.post(f"/contracts/{third.pk}/cancel/", {"reason": ""})
    assert r.status_code == 400
    r = client.post(f"/contracts/{third.pk}/cancel/", {"reason": "Customer moved"})
    assert r.status_code == 302
    third.refresh_from_db()
    assert third.status == "cancelled" and third.cancel_reason == "Customer moved"
    assert AuditEvent.objects.filter(action="warranty.contract_cancelled").count() == 1


def test_contract_list_filters_and_query_ceiling(
    client, agent, supervisor, old_unit, django_assert_max_num_queries
):
    for _ in range(6):
        _contract(old_unit, supervisor)
    cancelled = _contract(old_unit, supervisor)
    warranty.contract_cancel(contract=cancelled, actor=supervisor, reason="Moved")
    client.force_login(agent)
    with django_assert_max_num_queries(14):
        r = client.get("/contracts/")
    html = r.content.decode()
    assert r.status_code == 200 and html.count("/contracts/") >= 7
    html = client.get("/contracts/?status=cancelled").content.decode()
    assert cancelled.number in html and html.count('class="badge contract-') == 1
