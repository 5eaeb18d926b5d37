"""The warranty's REST endpoints, per endpoint and role."""

import datetime

import pytest
from django.utils import timezone

from tests.parts.factories import PartFactory
from tests.tickets.factories import ProductModelFactory, make_ticket
from tickets.warranty.models import ServiceContract, WarrantyTerm

pytestmark = pytest.mark.django_db

TERMS = "/api/v1/warranty/terms/"
GROUPS = "/api/v1/warranty/part-groups/"
CONTRACTS = "/api/v1/service-contracts/"


def contract_body(unit, **kw):
    today = timezone.localdate()
    body = {
        "customer": unit.customer_id,
        "products": [unit.pk],
        "kind": "extended_warranty",
        "starts_on": str(today - datetime.timedelta(days=10)),
        "ends_on": str(today + datetime.timedelta(days=355)),
        "fee": "380.00",
        "visits_included": 2,
    }
    body.update(kw)
    return body


def test_terms_read_by_staff_written_by_supervisors(
    api_client_for, agent, supervisor, technician, auditor, model_with_terms
):
    for user in (agent, technician.user, auditor, supervisor):
        r = api_client_for(user).get(TERMS, {"product_model": model_with_terms.code})
        assert r.status_code == 200, user
        assert {t["scope"] for t in r.data["results"]} == {"unit", "labour", "part_group"}
    model = ProductModelFactory()
    body = {"product_model": model.code, "scope": "labour", "months": 6}
    assert api_client_for(agent).post(TERMS, body, format="json").status_code == 403
    r = api_client_for(supervisor).post(TERMS, body, format="json")
    assert r.status_code == 201, r.data
    again = api_client_for(supervisor).post(TERMS, body, format="json")
    assert again.status_code == 400
    term_url = f"{TERMS}{r.data['id']}/"
    r = api_client_for(supervisor).patch(term_url, {"months": 9}, format="json")
    assert r.status_code == 200 and r.data["months"] == 9 and r.data["version"] == 2
    stale = api_client_for(supervisor).patch(
        term_url, {"months": 10}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 409
    assert api_client_for(agent).delete(term_url).status_code == 403
    assert api_client_for(supervisor).delete(term_url).status_code == 204
    assert not WarrantyTerm.objects.filter(product_model=model).exists()


def test_part_groups(api_client_for, agent, supervisor, compressor):
    assert api_client_for(agent).get(GROUPS).data["results"][0]["code"] == "compressor"
    assert api_client_for(agent).post(GROUPS, {"code": "motor", "name": "Motor"}).status_code == 403
    r = api_client_for(supervisor).post(GROUPS, {"code": "motor", "name": "Motor"})
    assert r.status_code == 201
    r = api_client_for(supervisor).patch(f"{GROUPS}{r.data['id']}/", {"name": "Drum motor"})
    assert r.data["name"] == "Drum motor"
    part = PartFactory()
    url = f"{GROUPS}{compressor.pk}/parts/"
    assert api_client_for(agent).post(url, {"add": [part.pk]}, format="json").status_code == 403
    r = api_client_for(supervisor).post(url, {"add": [part.pk]}, format="json")
    assert r.status_code == 200
    part.refresh_from_db()
    assert part.warranty_group == "compressor"
    api_client_for(supervisor).post(url, {"remove": [part.pk]}, format="json")
    part.refresh_from_db()
    assert part.warranty_group == ""


def test_contracts_create_renew_cancel(api_client_for, agent, supervisor, technician, old_unit):
    assert (
        api_client_for(agent).post(CONTRACTS, contract_body(old_unit), format="json").status_code
        == 403
    )
    r = api_client_for(supervisor).post(CONTRACTS, contract_body(old_unit), format="json")
    assert r.status_code == 201, r.data
    assert r.data["number"].startswith("SC-") and r.data["visits_used"] == 0
    url = f"{CONTRACTS}{r.data['id']}/"
    assert api_client_for(agent).get(url).status_code == 200
    assert api_client_for(technician.user).get(CONTRACTS).status_code == 403
    bad = api_client_for(supervisor).post(
        CONTRACTS, contract_body(old_unit, ends_on="2000-01-01"), format="json"
    )
    assert bad.status_code == 400
    r = api_client_for(supervisor).post(f"{url}renew/", {}, format="json")
    assert r.status_code == 200 and r.data["renewed_from"].startswith("SC-")
    renewal_url = f"{CONTRACTS}{r.data['id']}/"
    again = api_client_for(supervisor).post(f"{url}renew/", {}, format="json")
    assert again.status_code == 409 and again.data["code"] == "invalid_transition"
    assert api_client_for(agent).post(f"{renewal_url}cancel/", {"reason": "x"}).status_code == 403
    r = api_client_for(supervisor).post(f"{renewal_url}cancel/", {"reason": "Moved away"})
    assert r.status_code == 200 and r.data["status"] == "cancelled"
    assert ServiceContract.objects.count() == 2


def test_contract_list_query_ceiling(
    api_client_for, supervisor, old_unit, django_assert_max_num_queries
):
    client = api_client_for(supervisor)
    for _ in range(5):
        client.post(CONTRACTS, contract_body(old_unit), format="json")
    with django_assert_max_num_queries(12):
        r = client.get(CONTRACTS)
    assert r.status_code == 200 and len(r.data["results"]) == 5


def test_ticket_warranty_endpoint_and_triage(api_client_for, agent, supervisor, old_unit):
    ticket = make_ticket(actor=agent, product=old_unit)
    r = api_client_for(agent).get(f"/api/v1/tickets/{ticket.pk}/warranty/")
    assert r.status_code == 200
    assert r.data["decision"] == "" and r.data["derived_decision"] == "out_of_warranty"
    assert [s["scope"] for s in r.data["scopes"]] == ["unit", "labour", "part_group"]
    triage = f"/api/v1/tickets/{ticket.pk}/triage/"
    refused = api_client_for(agent).post(
        triage,
        {"priority": "p3", "warranty_decision": "goodwill", "goodwill_reason": "x"},
        format="json",
    )
    assert refused.status_code == 403
    r = api_client_for(agent).post(
        triage, {"priority": "p3", "part_group": "compressor"}, format="json"
    )
    assert r.status_code == 200, r.data
    assert r.data["warranty_decision"] == "out_of_warranty"
    r = api_client_for(agent).get(f"/api/v1/tickets/{ticket.pk}/warranty/")
    assert r.data["part_group"] == "compressor" and r.data["free_part_groups"] == ["compressor"]
    assert any("Compressor covered until" in reason for reason in r.data["reasons"])


def test_triage_goodwill_by_a_supervisor_over_the_api(api_client_for, agent, supervisor, old_unit):
    ticket = make_ticket(actor=agent, product=old_unit)
    triage = f"/api/v1/tickets/{ticket.pk}/triage/"
    no_reason = api_client_for(supervisor).post(
        triage, {"priority": "p3", "warranty_decision": "goodwill"}, format="json"
    )
    assert no_reason.status_code == 400
    r = api_client_for(supervisor).post(
        triage,
        {"priority": "p3", "warranty_decision": "goodwill", "goodwill_reason": "Repeat fault"},
        format="json",
    )
    assert r.status_code == 200 and r.data["warranty_decision"] == "goodwill"
    body = api_client_for(agent).get(f"/api/v1/tickets/{ticket.pk}/warranty/").data
    assert body["goodwill_reason"] == "Repeat fault" and body["labour"] is True
    assert body["goodwill_by"] == supervisor.username


def test_ticket_warranty_hidden_from_who_may_not_see_the_ticket(
    api_client_for, agent, integrator, old_unit, technician
):
    ticket = make_ticket(actor=agent, product=old_unit)
    assert (
        api_client_for(technician.user).get(f"/api/v1/tickets/{ticket.pk}/warranty/").status_code
        == 404
    )
    assert (
        api_client_for(integrator).get(f"/api/v1/tickets/{ticket.pk}/warranty/").status_code == 403
    )
