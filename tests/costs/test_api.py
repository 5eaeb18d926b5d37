"""The costs REST API per endpoint and role."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.costs.conftest import approve_all, receipt_png
from tests.tickets.factories import TechnicianFactory
from tickets.costs.models import Budget, CostRate, ExpenseClaim
from tickets.costs.selectors import ticket_cost_of

pytestmark = pytest.mark.django_db


def _period():
    return {
        "from": (timezone.now() - datetime.timedelta(days=1)).isoformat(),
        "to": (timezone.now() + datetime.timedelta(days=1)).isoformat(),
    }


@pytest.fixture
def clients(api_client_for, supervisor, finance, manager, auditor, agent, technician):
    return {
        "supervisor": api_client_for(supervisor),
        "finance": api_client_for(finance),
        "manager": api_client_for(manager),
        "auditor": api_client_for(auditor),
        "agent": api_client_for(agent),
        "technician": api_client_for(technician.user),
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("supervisor", 200),
        ("finance", 200),
        ("manager", 200),
        ("auditor", 200),
        ("agent", 403),
        ("technician", 403),
    ],
)
def test_cost_report_by_role(role, status, clients, rate, completed_job):
    completed_job()
    response = clients[role].get("/api/v1/reports/costs/", {**_period(), "group_by": "area"})
    assert response.status_code == status
    if status == 200:
        assert response.data["totals"]["tickets"] == 1


def test_cost_report_csv_and_bad_input(clients, rate, completed_job):
    job = completed_job()
    response = clients["finance"].get(
        "/api/v1/reports/costs/", {**_period(), "group_by": "warranty_decision", "format": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().strip().splitlines()
    assert lines[0].startswith("key,label,tickets")
    assert lines[-1].endswith(str(ticket_cost_of(job).total) + "," + str(ticket_cost_of(job).total))
    bad = clients["finance"].get("/api/v1/reports/costs/", {"from": "x", "to": "y"})
    assert bad.status_code == 400
    bad = clients["finance"].get("/api/v1/reports/costs/", {**_period(), "group_by": "colour"})
    assert bad.status_code == 400 and "group_by" in bad.data


def test_ticket_cost_endpoint(clients, rate, completed_job):
    job = completed_job(minutes=60, km="10")
    response = clients["auditor"].get(f"/api/v1/ticket-costs/{job.pk}/")
    assert response.status_code == 200
    assert Decimal(response.data["labour"]) == Decimal("80.00")
    assert Decimal(response.data["total"]) == ticket_cost_of(job).total
    assert clients["agent"].get(f"/api/v1/ticket-costs/{job.pk}/").status_code == 403
    assert clients["auditor"].get("/api/v1/ticket-costs/999999/").status_code == 404


def test_a_technician_files_a_claim_and_sees_only_theirs(clients, technician):
    response = clients["technician"].post(
        "/api/v1/expense-claims/",
        {
            "kind": "parking",
            "amount": "18.00",
            "spent_on": timezone.localdate().isoformat(),
            "receipt": receipt_png(),
            "note": "Hospital car park",
        },
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="claim-1",
    )
    assert response.status_code == 201, response.data
    assert response.data["steps"] == ["supervisor", "finance"]
    assert response.data["receipt"].endswith(f"/expense-claims/{response.data['id']}/receipt/")
    other = TechnicianFactory(user__username="tech-else")
    from tests.costs.conftest import receipt_png as png
    from tickets.costs import services

    services.expense_claim_file(
        actor=other.user,
        kind="toll",
        amount=Decimal("5"),
        spent_on=timezone.localdate(),
        receipt=png(),
    )
    mine = clients["technician"].get("/api/v1/expense-claims/")
    assert [c["number"] for c in mine.data["results"]] == [response.data["number"]]
    theirs = ExpenseClaim.objects.get(technician=other)
    assert clients["technician"].get(f"/api/v1/expense-claims/{theirs.pk}/").status_code == 404
    assert (
        clients["technician"].get(f"/api/v1/expense-claims/{theirs.pk}/receipt/").status_code == 404
    )
    receipt = clients["technician"].get(f"/api/v1/expense-claims/{response.data['id']}/receipt/")
    assert receipt.status_code == 200 and receipt["Content-Type"] == "image/png"
    assert clients["finance"].get("/api/v1/expense-claims/").data["results"].__len__() == 2
    assert clients["agent"].get("/api/v1/expense-claims/").status_code == 403
    # Only technicians file.
    refused = clients["finance"].post(
        "/api/v1/expense-claims/",
        {
            "kind": "toll",
            "amount": "5",
            "spent_on": timezone.localdate().isoformat(),
            "receipt": png(),
        },
        format="multipart",
    )
    assert refused.status_code == 403


def test_a_claim_without_a_receipt_or_with_a_fake_one_is_400(clients):
    from django.core.files.uploadedfile import SimpleUploadedFile

    day = timezone.localdate().isoformat()
    response = clients["technician"].post(
        "/api/v1/expense-claims/",
        {"kind": "toll", "amount": "5", "spent_on": day},
        format="multipart",
    )
    assert response.status_code == 400 and "receipt" in response.data
    fake = SimpleUploadedFile("r.png", b"MZ\x90\x00 not an image", "image/png")
    response = clients["technician"].post(
        "/api/v1/expense-claims/",
        {"kind": "toll", "amount": "5", "spent_on": day, "receipt": fake},
        format="multipart",
    )
    assert response.status_code == 400 and "receipt" in response.data
    assert not ExpenseClaim.objects.exists()


def test_approve_and_reject_through_the_api(clients, file_claim):
    claim = file_claim("2500.00")
    url = f"/api/v1/expense-claims/{claim.pk}/"
    # Out of order: finance before the supervisor.
    assert clients["finance"].post(url + "approve/", {}, format="json").status_code == 403
    assert clients["technician"].post(url + "approve/", {}, format="json").status_code == 403
    ok = clients["supervisor"].post(
        url + "approve/", {"comment": "fine", "version": 1}, format="json"
    )
    assert ok.status_code == 200 and ok.data["waiting_role"] == "finance"
    stale = clients["finance"].post(url + "approve/", {"version": 1}, format="json")
    assert stale.status_code == 409 and stale.data["code"] == "stale_version"
    assert (
        clients["finance"].post(url + "approve/", {}, format="json").data["waiting_role"]
        == "manager"
    )
    awaiting = clients["manager"].get("/api/v1/expense-claims/", {"awaiting": "true"})
    assert [c["id"] for c in awaiting.data["results"]] == [claim.pk]
    no_reason = clients["manager"].post(url + "reject/", {}, format="json")
    assert no_reason.status_code == 400 and "comment" in no_reason.data
    rejected = clients["manager"].post(url + "reject/", {"comment": "Over policy"}, format="json")
    assert rejected.status_code == 200 and rejected.data["status"] == "rejected"
    again = clients["manager"].post(url + "approve/", {}, format="json")
    assert again.status_code == 409 and again.data["code"] == "invalid_transition"
    assert [a["decision"] for a in rejected.data["approvals"]] == [
        "approved",
        "approved",
        "rejected",
    ]


def test_claim_list_query_count(
    clients, file_claim, supervisor, finance, django_assert_max_num_queries
):
    for _ in range(5):
        approve_all(file_claim("10.00"), supervisor)
    with django_assert_max_num_queries(8):
        response = clients["finance"].get("/api/v1/expense-claims/")
    assert len(response.data["results"]) == 5


def test_budgets_api(clients, technician, rate, completed_job):
    area = technician.areas.first()
    month = timezone.localdate().replace(day=1).isoformat()
    body = {"month": month, "area": area.code, "kind": "labour", "amount": "500.00"}
    assert clients["supervisor"].post("/api/v1/budgets/", body, format="json").status_code == 403
    created = clients["finance"].post("/api/v1/budgets/", body, format="json")
    assert created.status_code == 201, created.data
    changed = clients["manager"].post(
        "/api/v1/budgets/", {**body, "amount": "650.00"}, format="json"
    )
    assert changed.status_code == 201 and changed.data["id"] == created.data["id"]
    assert Budget.objects.get().amount == Decimal("650.00")
    assert (
        clients["finance"]
        .post("/api/v1/budgets/", {**body, "kind": "fun"}, format="json")
        .status_code
        == 400
    )
    assert clients["auditor"].get("/api/v1/budgets/").data["results"][0]["amount"] == "650.00"
    completed_job(minutes=60)
    today = timezone.localdate()
    result = clients["auditor"].get(
        "/api/v1/reports/budget-vs-actual/",
        {"first": today.replace(day=1).isoformat(), "last": today.isoformat()},
    )
    assert result.status_code == 200
    row = next(r for r in result.data["rows"] if r["kind"] == "labour")
    assert (row["budget"], row["actual"], row["variance"]) == ("650.00", "80.00", "570.00")
    assert clients["agent"].get("/api/v1/reports/budget-vs-actual/").status_code == 403
    bad = clients["auditor"].get(
        "/api/v1/reports/budget-vs-actual/", {"first": "2026-02-01", "last": "2026-01-01"}
    )
    assert bad.status_code == 400


def test_cost_rates_api(clients):
    body = {"effective_from": "2026-01-01", "labour_hourly_rate": "85.00", "travel_km_rate": "1.20"}
    assert clients["supervisor"].post("/api/v1/cost-rates/", body, format="json").status_code == 403
    assert clients["finance"].post("/api/v1/cost-rates/", body, format="json").status_code == 201
    again = clients["finance"].post("/api/v1/cost-rates/", body, format="json")
    assert again.status_code == 400 and "effective_from" in again.data
    assert CostRate.objects.count() == 1
    assert clients["auditor"].get("/api/v1/cost-rates/").status_code == 200


def test_claim_filters(clients, file_claim, supervisor, finance):
    approved = approve_all(file_claim("10.00", kind="parking"), supervisor, finance)
    pending = file_claim("20.00", kind="toll")

    def ids(**query):
        response = clients["finance"].get("/api/v1/expense-claims/", query)
        assert response.status_code == 200
        return [c["id"] for c in response.data["results"]]

    assert ids(status="approved") == [approved.pk]
    assert ids(status="pending") == [pending.pk]
    assert ids(kind="toll") == [pending.pk]
    assert sorted(ids(technician=pending.technician_id)) == sorted([approved.pk, pending.pk])
    assert clients["finance"].get("/api/v1/expense-claims/", {"status": "lost"}).status_code == 400
