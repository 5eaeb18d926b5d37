"""The costs admin writes through the services; the pages speak Chinese."""

from decimal import Decimal

import pytest
from django.utils import timezone

from audits.models import AuditEvent
from tickets.costs.models import Budget, CostRate

pytestmark = pytest.mark.django_db


def test_budgets_and_rates_are_added_in_the_admin_through_the_services(admin_client, technician):
    area = technician.areas.first()
    month = timezone.localdate().replace(day=1).isoformat()
    response = admin_client.post(
        "/admin/costs/budget/add/",
        {"month": month, "area": area.pk, "kind": "parts", "amount": "1200.00", "note": "Q"},
    )
    assert response.status_code == 302, response.content[:2000]
    budget = Budget.objects.get()
    assert budget.amount == Decimal("1200.00")
    response = admin_client.post(
        f"/admin/costs/budget/{budget.pk}/change/", {"amount": "900.00", "note": "cut"}
    )
    assert response.status_code == 302
    budget.refresh_from_db()
    assert budget.amount == Decimal("900.00")
    events = AuditEvent.objects.filter(action="budget.set").order_by("id")
    assert [e.changes["amount"] for e in events] == [[None, "1200.00"], ["1200.00", "900.00"]]
    response = admin_client.post(
        "/admin/costs/costrate/add/",
        {"effective_from": "2026-01-01", "labour_hourly_rate": "80", "travel_km_rate": "1.5"},
    )
    assert response.status_code == 302 and CostRate.objects.count() == 1
    for url in ("/admin/costs/expenseclaim/", "/admin/costs/budget/", "/admin/costs/costrate/"):
        assert admin_client.get(url).status_code == 200


def test_the_cost_pages_in_chinese(client, finance, technician, file_claim):
    claim = file_claim()
    client.force_login(finance)
    body = client.get("/costs/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "费用报表" in body and "总费用" in body and "单均费用" in body
    assert "Cost report" not in body
    body = client.get(f"/costs/claims/{claim.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "审批流程" in body and "过路费" in body and "待审批" in body
    body = client.get("/costs/budgets/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "预算与实际" in body
