"""The charges' REST API per endpoint and role: technicians only their jobs, the desk
all, integrators read, supervisors write price lists, refunds decided by finance."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.roles import Role
from tickets.charges import services as charges
from tickets.charges.models import PriceList, Quote, Receipt, Refund

from .conftest import SIGNATURE, complete

pytestmark = pytest.mark.django_db


@pytest.fixture
def onsite(price_list, job, stock):
    return job("out_of_warranty")


def _quote_body(ticket, stock):
    return {"ticket": ticket.pk, "travel_km": "12", "parts": [{"part": stock["uncovered"].pk}]}


def test_quote_create_approve_and_complete(api_client_for, onsite, technician, stock):
    client = api_client_for(technician.user)
    r = client.post(
        "/api/v1/quotes/", _quote_body(onsite, stock), format="json",
        HTTP_IF_MATCH=str(onsite.version),
    )  # fmt: skip
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "pending" and body["total"] == "260.00"
    assert [line["kind"] for line in body["lines"]] == ["labour", "callout", "part"]
    r = client.post(f"/api/v1/quotes/{body['id']}/approve/", {"signature": SIGNATURE},
                    format="json", HTTP_IF_MATCH="1")  # fmt: skip
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "approved"
    assert Quote.objects.get().status == "approved"
    onsite.refresh_from_db()
    complete(onsite, technician.user, [{"part": stock["uncovered"], "quantity": 1}])
    r = client.get(f"/api/v1/charge-lines/?ticket={onsite.pk}")
    assert r.status_code == 200
    assert [x["amount"] for x in r.json()["results"]] == ["120.00", "60.00", "80.00"]


def test_quote_errors_are_coded(api_client_for, onsite, technician, stock):
    client = api_client_for(technician.user)
    r = client.post("/api/v1/quotes/", _quote_body(onsite, stock), format="json",
                    HTTP_IF_MATCH="1")  # fmt: skip
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    r = client.post("/api/v1/quotes/", {"ticket": onsite.pk}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "travel_km_required"
    r = client.post("/api/v1/quotes/", {"ticket": onsite.pk, "travel_km": "-1"}, format="json")
    assert r.status_code == 400
    quote = client.post("/api/v1/quotes/", _quote_body(onsite, stock), format="json").json()
    r = client.post(f"/api/v1/quotes/{quote['id']}/approve/", {"signature": "x"}, format="json")
    assert r.status_code == 400
    r = client.post(f"/api/v1/quotes/{quote['id']}/decline/", {"reason": "No"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "declined"
    r = client.post(f"/api/v1/quotes/{quote['id']}/decline/", {}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"


def test_quote_visibility_and_roles(
    api_client_for, onsite, technician, other_technician, agent, integrator, auditor, stock
):
    quote = charges.quote_create(ticket=onsite, actor=technician.user, travel_km=Decimal("3"))
    other = api_client_for(other_technician.user)
    assert other.get("/api/v1/quotes/").json()["results"] == []
    assert other.get(f"/api/v1/quotes/{quote.pk}/").status_code == 404
    r = other.post("/api/v1/quotes/", _quote_body(onsite, stock), format="json")
    assert r.status_code == 404
    assert api_client_for(agent).get(f"/api/v1/quotes/{quote.pk}/").status_code == 200
    assert api_client_for(auditor).get("/api/v1/quotes/").json()["results"][0]["id"] == quote.pk
    r = api_client_for(agent).post("/api/v1/quotes/", _quote_body(onsite, stock), format="json")
    assert r.status_code == 403
    r = api_client_for(integrator).post(f"/api/v1/quotes/{quote.pk}/decline/", {}, format="json")
    assert r.status_code in (403, 404)
    assert Quote.objects.get().status == "pending"


@pytest.fixture
def recorded(onsite, technician, stock):
    quote = charges.quote_create(
        ticket=onsite,
        actor=technician.user,
        travel_km=Decimal("12"),
        parts=[{"part": stock["uncovered"], "quantity": 1}],
    )
    charges.quote_approve(quote=quote, actor=technician.user, signature=SIGNATURE)
    onsite.refresh_from_db()
    return complete(onsite, technician.user, [{"part": stock["uncovered"], "quantity": 1}])


def test_payment_and_receipt_pdf(api_client_for, recorded, technician, other_technician, agent):
    client = api_client_for(technician.user)
    body = {"ticket": recorded.pk, "amount": "100.00", "method": "alipay"}
    r = client.post("/api/v1/payments/", body, format="json")
    assert r.status_code == 409 and r.json()["code"] == "amount_mismatch"
    r = api_client_for(other_technician.user).post(
        "/api/v1/payments/", {**body, "amount": "260.00"}, format="json"
    )
    assert r.status_code == 404
    r = client.post("/api/v1/payments/", {**body, "amount": "260.00", "reference": "ALI-9"},
                    format="json", HTTP_IDEMPOTENCY_KEY="pay-1")  # fmt: skip
    assert r.status_code == 201, r.content
    receipt = r.json()
    assert receipt["number"].startswith(f"RC-{timezone.localdate().year}-")
    assert receipt["method"] == "alipay" and len(receipt["lines"]) == 3
    again = client.post("/api/v1/payments/", {**body, "amount": "260.00", "reference": "ALI-9"},
                        format="json", HTTP_IDEMPOTENCY_KEY="pay-1")  # fmt: skip
    assert again.json()["id"] == receipt["id"] and Receipt.objects.count() == 1
    pdf = client.get(f"/api/v1/receipts/{receipt['id']}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert (
        api_client_for(other_technician.user)
        .get(f"/api/v1/receipts/{receipt['id']}/pdf/")
        .status_code
        == 404
    )
    # Asked for as a PDF, a receipt the caller may not see still answers its JSON error.
    hidden = api_client_for(other_technician.user).get(
        f"/api/v1/receipts/{receipt['id']}/pdf/?format=pdf"
    )
    assert hidden.status_code == 404 and hidden["Content-Type"] == "application/json"
    assert "detail" in hidden.json()
    assert client.get(f"/api/v1/receipts/{receipt['id']}/pdf/?format=pdf").content[:4] == b"%PDF"
    payments = api_client_for(agent).get(f"/api/v1/payments/?ticket={recorded.pk}").json()
    assert payments["results"][0]["receipt"] == receipt["number"]


def test_refund_request_and_decisions(api_client_for, recorded, agent, make_user, supervisor):
    finance = make_user(Role.FINANCE, username="fin")
    receipt = charges.payment_record(
        ticket=recorded, actor=agent, amount=Decimal("260"), method="cash"
    )
    desk = api_client_for(agent)
    body = {"payment": receipt.payment_id, "amount": "300.00", "reason": "Returned"}
    r = desk.post("/api/v1/refunds/", body, format="json")
    assert r.status_code == 409 and r.json()["code"] == "refund_exceeds_payment"
    r = desk.post("/api/v1/refunds/", {**body, "amount": "60.00"}, format="json")
    assert r.status_code == 201
    refund = r.json()
    assert (
        desk.post(f"/api/v1/refunds/{refund['id']}/approve/", {}, format="json").status_code == 403
    )
    r = api_client_for(supervisor).post(
        f"/api/v1/refunds/{refund['id']}/reject/", {}, format="json"
    )
    assert r.status_code == 400
    r = api_client_for(finance).post(f"/api/v1/refunds/{refund['id']}/approve/", {"note": "ok"},
                                     format="json")  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert Refund.objects.get().decided_by == finance
    listed = api_client_for(finance).get("/api/v1/payments/").json()["results"][0]
    assert listed["refunded"] == "60.00"


def test_price_list_api(api_client_for, price_list, supervisor, agent, technician, integrator):
    for user in (agent, technician.user, integrator):
        r = api_client_for(user).get("/api/v1/price-lists/")
        assert r.status_code == 200 and r.json()["results"][0]["code"] == "STD-1"
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    body = {"code": "STD-2", "name": "Next", "effective_from": tomorrow}
    assert (
        api_client_for(agent).post("/api/v1/price-lists/", body, format="json").status_code == 403
    )
    client = api_client_for(supervisor)
    r = client.post("/api/v1/price-lists/", body, format="json")
    assert r.status_code == 201, r.content
    draft = r.json()
    assert draft["status"] == "draft" and len(draft["callout_zones"]) == 3
    base = f"/api/v1/price-lists/{draft['id']}"
    body = {"service_type": "installation", "amount": "200.00"}
    r = client.post(f"{base}/labour-rates/", body, format="json")
    assert r.status_code == 200 and len(r.json()["labour_rates"]) == 3
    body = {"code": "D", "name": "Far", "up_to_km": "80", "fee": "150"}
    r = client.post(f"{base}/zones/", body, format="json")
    assert r.status_code == 200
    zone = next(z for z in r.json()["callout_zones"] if z["code"] == "D")
    r = client.post(f"/api/v1/price-lists/{draft['id']}/remove-line/",
                    {"kind": "zone", "line_id": zone["id"]}, format="json")  # fmt: skip
    assert r.status_code == 200 and len(r.json()["callout_zones"]) == 3
    r = client.post(f"/api/v1/price-lists/{draft['id']}/publish/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "published"
    r = client.post(f"/api/v1/price-lists/{draft['id']}/labour-rates/",
                    {"service_type": "repair", "amount": "1"}, format="json")  # fmt: skip
    assert r.status_code == 409 and r.json()["code"] == "price_list_published"
    assert PriceList.objects.published().count() == 2


def test_lists_have_query_ceilings(api_client_for, recorded, agent, django_assert_max_num_queries):
    charges.payment_record(ticket=recorded, actor=agent, amount=Decimal("260"), method="cash")
    client = api_client_for(agent)
    for path in ("/api/v1/quotes/", "/api/v1/receipts/", "/api/v1/charge-lines/",
                 "/api/v1/payments/", "/api/v1/price-lists/"):  # fmt: skip
        with django_assert_max_num_queries(12):
            assert client.get(path).status_code == 200


def test_schema_documents_the_charges(api_client_for, supervisor):
    r = api_client_for(supervisor).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    text = r.content.decode()
    for path in ("/api/v1/quotes/{id}/approve/", "/api/v1/receipts/{id}/pdf/",
                 "/api/v1/refunds/{id}/approve/", "/api/v1/price-lists/{id}/publish/",
                 "/api/v1/payments/", "/api/v1/charge-lines/"):  # fmt: skip
        assert path in text


def test_finance_reads_everything_integrators_only_their_tickets(
    api_client_for, recorded, agent, integrator, make_user
):
    finance = make_user(Role.FINANCE, username="fin2")
    charges.payment_record(ticket=recorded, actor=agent, amount=Decimal("260"), method="cash")
    for path in ("/api/v1/receipts/", "/api/v1/charge-lines/", "/api/v1/quotes/"):
        assert api_client_for(finance).get(path).json()["results"], path
        assert api_client_for(integrator).get(path).json()["results"] == [], path
    r = api_client_for(finance).post(
        "/api/v1/payments/", {"ticket": recorded.pk, "amount": "1", "method": "cash"},
        format="json",
    )  # fmt: skip
    assert r.status_code == 409 and r.json()["code"] == "nothing_due"
    r = api_client_for(integrator).post(
        "/api/v1/payments/", {"ticket": recorded.pk, "amount": "1", "method": "cash"},
        format="json",
    )  # fmt: skip
    assert r.status_code == 403
