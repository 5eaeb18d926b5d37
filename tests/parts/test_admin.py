"""The parts admin: the catalogue saves through the services, counts approve through the
service, the ledger is read-only."""

import pytest
from django.urls import reverse

from audits.models import AuditEvent
from parts.models import ReorderAlert, StockCount, StockCountLine, StockLevel

pytestmark = pytest.mark.django_db


def test_admin_reorder_point_change_goes_through_the_service(admin_client, part, warehouse, stock):
    stock(part, warehouse, 4)
    url = reverse("admin:parts_part_change", args=[part.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    data.update(
        category=part.category_id,
        compatible_models=[],
        reorder_point=4,
        unit_cost="40.00",
        unit_price="65.00",
    )
    data = {k: v for k, v in data.items() if v is not None}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert StockLevel.objects.get(part=part, location=warehouse).below_reorder
    assert ReorderAlert.objects.filter(part=part).count() == 1
    assert AuditEvent.objects.filter(action="part.updated", source="admin").exists()


def test_admin_count_approve_action_posts_variances(admin_client, part, warehouse, stock):
    stock(part, warehouse, 5)
    count = StockCount.objects.create(location=warehouse)
    StockCountLine.objects.create(count=count, part=part, counted=3)
    response = admin_client.post(
        reverse("admin:parts_stockcount_changelist"),
        {"action": "approve", "_selected_action": [count.pk]},
    )
    assert response.status_code == 302
    assert StockLevel.objects.get(part=part, location=warehouse).on_hand == 3
    count.refresh_from_db()
    assert count.status == "approved"


def test_admin_movements_are_read_only(admin_client, part, warehouse, stock):
    movement = stock(part, warehouse, 1)
    assert admin_client.get(reverse("admin:parts_stockmovement_add")).status_code == 403
    delete = reverse("admin:parts_stockmovement_delete", args=[movement.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
