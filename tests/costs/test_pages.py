"""The costs pages through the Django client: the report and budget period forms in each
mode, the CSV export, filing a claim on its page, deciding a step, who sees what."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.costs.conftest import approve_all, receipt_png
from tests.tickets.factories import TechnicianFactory
from tickets.costs import services
from tickets.costs.forms import Period, period_days
from tickets.costs.models import ExpenseApproval, ExpenseClaim
from tickets.costs.selectors import ticket_cost_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    def sign(user):
        client.force_login(user)
        return client

    return sign


def test_period_presets():
    day = datetime.date(2026, 5, 14)
    assert period_days(Period.THIS_MONTH, day) == (
        datetime.date(2026, 5, 1),
        datetime.date(2026, 5, 31),
    )
    assert period_days(Period.LAST_MONTH, day) == (
        datetime.date(2026, 4, 1),
        datetime.date(2026, 4, 30),
    )
    assert period_days(Period.THIS_QUARTER, day) == (
        datetime.date(2026, 4, 1),
        datetime.date(2026, 6, 30),
    )
    assert period_days(Period.LAST_QUARTER, day) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 3, 31),
    )
    assert period_days(Period.LAST_QUARTER, datetime.date(2026, 2, 1)) == (
        datetime.date(2025, 10, 1),
        datetime.date(2025, 12, 31),
    )
    assert period_days(Period.THIS_YEAR, day) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 12, 31),
    )


@pytest.mark.parametrize(
    "period", ["", "this_month", "last_month", "this_quarter", "last_quarter", "this_year"]
)
def test_the_report_in_each_preset(period, signed_in, finance, rate, completed_job):
    completed_job()
    response = signed_in(finance).get(
        "/costs/", {"period": period, "group_by": "area"} if period else {}
    )
    assert response.status_code == 200
    first, last = period_days(period or Period.THIS_MONTH, timezone.localdate())
    inside = first <= timezone.localdate() <= last
    body = response.content.decode()
    assert 'id="cost-table"' in body
    assert ('id="cost-tickets">1<' in body) == inside


def test_the_report_custom_period_and_its_errors(signed_in, supervisor, rate, completed_job):
    job = completed_job()
    today = timezone.localdate()
    client = signed_in(supervisor)
    ok = client.get(
        "/costs/",
        {"period": "custom", "first": (today - datetime.timedelta(days=2)).isoformat(),
         "last": today.isoformat(), "group_by": "warranty_decision"},
    )  # fmt: skip
    assert ok.status_code == 200
    assert "In warranty (free)" in ok.content.decode()
    assert str(ticket_cost_of(job).total) in ok.content.decode()
    missing = client.get("/costs/", {"period": "custom", "group_by": "area"})
    assert missing.status_code == 400
    assert "Enter the first day of the period." in missing.content.decode()
    reversed_ = client.get(
        "/costs/", {"period": "custom", "first": "2026-03-10", "last": "2026-03-01"}
    )
    assert reversed_.status_code == 400


def test_the_csv_export_equals_the_table(signed_in, auditor, rate, completed_job):
    jobs = [completed_job(minutes=30), completed_job(minutes=75, category="installation")]
    response = signed_in(auditor).get(
        "/costs/", {"period": "this_month", "group_by": "category", "export": "csv"}
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Service type"
    assert rows[-1][0] == "Total"
    assert Decimal(rows[-1][6]) == sum(ticket_cost_of(j).total for j in jobs)


def test_cost_pages_are_refused_to_agents_and_technicians(signed_in, agent, technician):
    assert signed_in(agent).get("/costs/").status_code == 403
    assert signed_in(technician.user).get("/costs/budgets/").status_code == 403


def test_the_budget_page(signed_in, finance, technician, rate, completed_job):
    area = technician.areas.first()
    services.budget_set(
        actor=finance, month=timezone.localdate(), area=area, kind="labour", amount=Decimal("50")
    )
    completed_job(minutes=60)
    client = signed_in(finance)
    response = client.get("/costs/budgets/", {"period": "this_month"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "over budget" in body and "-30.00" in body and "160.0 %" in body
    assert client.get("/costs/budgets/", {"period": "custom", "first": "x"}).status_code == 400


def test_a_technician_files_a_claim_on_its_page(signed_in, technician, completed_job):
    job = completed_job()
    client = signed_in(technician.user)
    page = client.get("/costs/claims/new/")
    assert page.status_code == 200 and job.number in page.content.decode()
    refused = client.post(
        "/costs/claims/new/",
        {"kind": "toll", "amount": "12.50", "spent_on": timezone.localdate().isoformat()},
    )
    assert refused.status_code == 400 and not ExpenseClaim.objects.exists()
    response = client.post(
        "/costs/claims/new/",
        {"kind": "toll", "amount": "12.50", "spent_on": timezone.localdate().isoformat(),
         "ticket": job.pk, "note": "Expressway", "receipt": receipt_png()},
    )  # fmt: skip
    claim = ExpenseClaim.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/costs/claims/{claim.pk}/"
    assert (claim.amount, claim.ticket, claim.note, claim.kind) == (
        Decimal("12.50"),
        job,
        "Expressway",
        "toll",
    )
    detail = client.get(f"/costs/claims/{claim.pk}/").content.decode()
    assert claim.number in detail and 'id="claim-decide"' not in detail
    receipt = client.get(f"/costs/claims/{claim.pk}/receipt/?inline=1")
    assert receipt.status_code == 200 and receipt["Content-Disposition"] == "inline"
    assert "claims-all" in client.get("/costs/claims/").content.decode()


def test_others_claims_and_receipts_are_hidden(signed_in, file_claim, agent):
    claim = file_claim()
    other = TechnicianFactory(user__username="tech-z")
    client = signed_in(other.user)
    assert client.get(f"/costs/claims/{claim.pk}/").status_code == 404
    assert client.get(f"/costs/claims/{claim.pk}/receipt/").status_code == 404
    assert signed_in(agent).get(f"/costs/claims/{claim.pk}/receipt/").status_code == 403


def test_deciding_steps_on_the_claim_page(signed_in, client, file_claim, supervisor, finance):
    claim = file_claim("300.00")
    page = signed_in(finance).get(f"/costs/claims/{claim.pk}/").content.decode()
    assert 'id="claim-decide"' not in page  # finance's step is not yet
    client.force_login(supervisor)
    queue = client.get("/costs/claims/").content.decode()
    assert "claims-awaiting" in queue and claim.number in queue
    response = client.post(
        f"/costs/claims/{claim.pk}/", {"decision": "approve", "comment": "ok", "version": 1}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.waiting_role == "finance"
    client.force_login(finance)
    no_reason = client.post(f"/costs/claims/{claim.pk}/", {"decision": "reject", "version": 2})
    assert (
        no_reason.status_code == 400
        and "Say why the claim is rejected." in no_reason.content.decode()
    )
    stale = client.post(f"/costs/claims/{claim.pk}/", {"decision": "approve", "version": 1})
    assert stale.status_code == 400
    client.post(
        f"/costs/claims/{claim.pk}/", {"decision": "reject", "comment": "Duplicate", "version": 2}
    )
    claim.refresh_from_db()
    assert claim.status == "rejected"
    assert list(ExpenseApproval.objects.values_list("decision", flat=True)) == [
        "approved",
        "rejected",
    ]


def test_claim_list_query_ceiling(signed_in, file_claim, supervisor, django_assert_max_num_queries):
    for _ in range(6):
        file_claim("20.00")
    client = signed_in(supervisor)
    with django_assert_max_num_queries(14):
        response = client.get("/costs/claims/")
    assert response.content.decode().count('class="claim-row"') == 12  # waiting + latest


def test_the_menu_offers_costs_to_finance_and_claims_to_technicians(signed_in, finance, technician):
    assert 'href="/costs/"' in signed_in(finance).get("/costs/claims/").content.decode()
    body = signed_in(technician.user).get("/costs/claims/").content.decode()
    assert 'href="/costs/claims/"' in body and 'href="/costs/"' not in body


__all__ = ["approve_all"]
