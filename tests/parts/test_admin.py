"""The parts admin: the catalogue saves through the services, counts approve through the
service, the ledger is read-only."""

import pytest
from django.urls import reverse

from audits.models import AuditEvent
from parts.models import (
    ReorderAlert,
    StockCount,
    StockCountLine,
    StockLevel,
    StockLocation,
    StockMovement,
)
from tests.admin_forms import errors_of, form_data

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


def test_admin_stock_count_created_and_approved_runs_the_count_services(
    supervisor_admin, part, warehouse, stock
):
    stock(part, warehouse, 5)
    add = reverse("admin:parts_stockcount_add")
    data = form_data(
        supervisor_admin.get(add),
        location=warehouse.pk,
        note="Monthly count",
        **{"lines-0-part": part.pk, "lines-0-counted": "3"},
    )
    response = supervisor_admin.post(add, data)
    assert response.status_code == 302, errors_of(response)
    count = StockCount.objects.get()
    assert count.created_by == supervisor_admin.user
    assert list(count.lines.values_list("part_id", "counted")) == [(part.pk, 3)]
    actions = AuditEvent.objects.filter(object_id=str(count.pk), source="admin")
    assert sorted(actions.values_list("action", flat=True)) == [
        "stock_count.opened",
        "stock_count.recorded",
    ]

    response = supervisor_admin.post(
        reverse("admin:parts_stockcount_changelist"),
        {"action": "approve", "_selected_action": [count.pk]},
    )
    assert response.status_code == 302
    count.refresh_from_db()
    assert count.status == "approved"
    adjustment = StockMovement.objects.get(kind="adjustment")
    assert (adjustment.part, adjustment.from_location, adjustment.quantity) == (part, warehouse, 2)
    assert StockLevel.objects.get(part=part, location=warehouse).on_hand == 3


def test_admin_stock_count_lines_are_recorded_through_the_service_and_closed_once_approved(
    supervisor_admin, supervisor, part, warehouse
):
    from parts import services

    count = services.stock_count_open(location=warehouse, actor=supervisor)
    services.stock_count_record(count=count, part=part, counted=4, actor=supervisor)
    url = reverse("admin:parts_stockcount_change", args=[count.pk])
    page = supervisor_admin.get(url)
    assert 'name="location"' not in page.content.decode()  # fixed once opened
    response = supervisor_admin.post(url, form_data(page, **{"lines-0-counted": "6"}))
    assert response.status_code == 302, errors_of(response)
    assert count.lines.get().counted == 6
    assert AuditEvent.objects.filter(action="stock_count.recorded", source="admin").count() == 1

    services.stock_count_approve(count=count, actor=supervisor)
    page = supervisor_admin.get(url)
    assert 'name="lines-0-counted"' not in page.content.decode()
    assert supervisor_admin.post(url, {"lines-0-counted": "1"}).status_code == 403
    assert count.lines.get().counted == 6


def test_admin_stock_location_rename_goes_through_the_service(supervisor_admin, warehouse):
    url = reverse("admin:parts_stocklocation_change", args=[warehouse.pk])
    page = supervisor_admin.get(url)
    response = supervisor_admin.post(url, form_data(page, name="Central warehouse", code="X"))
    assert response.status_code == 302, errors_of(response)
    warehouse.refresh_from_db()
    assert (warehouse.code, warehouse.name) == ("WH-MAIN", "Central warehouse")
    [event] = AuditEvent.objects.filter(object_type="parts.stocklocation")
    assert event.action == "stock_location.updated"
    assert event.changes == {"name": ["Main warehouse", "Central warehouse"]}


def test_admin_stock_location_create_refuses_a_van_without_a_technician(supervisor_admin):
    add = reverse("admin:parts_stocklocation_add")
    data = form_data(supervisor_admin.get(add), code="VAN-X", name="Loose van", kind="van")
    response = supervisor_admin.post(add, data)
    assert response.status_code == 200
    assert errors_of(response)
    assert not StockLocation.objects.filter(code="VAN-X").exists()
    assert not AuditEvent.objects.filter(action="stock_location.created").exists()


def test_admin_part_compatible_models_change_goes_through_the_service(admin_client, part):
    from tests.tickets.factories import ProductModelFactory

    model = ProductModelFactory()
    url = reverse("admin:parts_part_change", args=[part.pk])
    response = admin_client.post(
        url, form_data(admin_client.get(url), compatible_models=[model.pk])
    )
    assert response.status_code == 302, errors_of(response)
    assert list(part.compatible_models.all()) == [model]
    [event] = AuditEvent.objects.filter(object_type="parts.part")
    assert event.action == "part.updated"
    assert event.changes == {"compatible_models": [[], [model.code]]}
