"""The parts API: contract shapes, roles, 400s for bad input, 409 for stock conflicts."""

import pytest

from parts.models import StockLevel, StockMovement
from tests.parts.conftest import complete
from tests.parts.factories import LocationFactory, PartFactory
from tests.tickets.factories import ProductCategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_part_create_and_list(supervisor_client, technician_client):
    ProductCategoryFactory()
    body = {
        "sku": "AC-00042",
        "name": "Fan motor",
        "category": "aircon",
        "unit_cost": "10.00",
        "unit_price": "25.00",
        "reorder_point": 2,
        "reorder_quantity": 10,
        "approved": True,
    }
    response = supervisor_client.post("/api/v1/parts/", body, format="json")
    assert response.status_code == 201, response.data
    assert response.data["sku"] == "AC-00042" and response.data["category"] == "aircon"
    again = supervisor_client.post("/api/v1/parts/", body, format="json")
    assert again.status_code == 400 and "sku" in again.data
    listed = technician_client.get("/api/v1/parts/?search=fan")
    assert [p["sku"] for p in listed.data["results"]] == ["AC-00042"]
    assert technician_client.post("/api/v1/parts/", body, format="json").status_code == 403


@pytest.mark.parametrize(
    "field,value",
    [
        ("sku", "x" * 41),
        ("sku", "   "),
        ("sku", "AC\x0100"),
        ("unit_price", "-1"),
        ("category", "nope"),
        ("reorder_point", -1),
    ],
)
def test_part_create_bad_input_is_400(supervisor_client, field, value):
    ProductCategoryFactory()
    body = {
        "sku": "AC-00043",
        "name": "X",
        "category": "aircon",
        "unit_cost": "1",
        "unit_price": "2",
        field: value,
    }
    response = supervisor_client.post("/api/v1/parts/", body, format="json")
    assert response.status_code == 400 and field in response.data


def test_location_create_van_needs_technician(supervisor_client, technician):
    response = supervisor_client.post(
        "/api/v1/stock-locations/", {"code": "V-1", "name": "Van", "kind": "van"}, format="json"
    )
    assert response.status_code == 400 and "technician" in response.data
    response = supervisor_client.post(
        "/api/v1/stock-locations/",
        {"code": "V-1", "name": "Van", "kind": "van", "technician": technician.pk},
        format="json",
    )
    assert response.status_code == 201 and response.data["technician"] == technician.pk


def test_movement_post_receipt_transfer_and_409(supervisor_client, part, warehouse, van):
    url = "/api/v1/stock-movements/"
    ok = supervisor_client.post(
        url,
        {"kind": "receipt", "part": part.pk, "quantity": 3, "to_location": warehouse.pk},
        format="json",
    )
    assert ok.status_code == 201 and ok.data["kind"] == "receipt"
    too_many = supervisor_client.post(
        url,
        {
            "kind": "transfer",
            "part": part.pk,
            "quantity": 4,
            "from_location": warehouse.pk,
            "to_location": van.pk,
        },
        format="json",
    )
    assert too_many.status_code == 409 and too_many.data["code"] == "insufficient_stock"
    bad = supervisor_client.post(
        url, {"kind": "issue", "part": part.pk, "quantity": 0}, format="json"
    )
    assert bad.status_code == 400 and {"kind", "quantity"} <= set(bad.data)
    missing = supervisor_client.post(
        url,
        {"kind": "transfer", "part": part.pk, "quantity": 1, "to_location": van.pk},
        format="json",
    )
    assert missing.status_code == 400 and "from_location" in missing.data


def test_movements_are_never_edited_or_deleted(supervisor_client, part, warehouse, stock):
    movement = stock(part, warehouse, 1)
    url = f"/api/v1/stock-movements/{movement.pk}/"
    assert supervisor_client.get(url).status_code == 200
    for method in ("put", "patch", "delete"):
        assert getattr(supervisor_client, method)(url, {}, format="json").status_code == 405


def test_movement_create_is_idempotent(supervisor_client, part, warehouse):
    body = {"kind": "receipt", "part": part.pk, "quantity": 2, "to_location": warehouse.pk}
    first = supervisor_client.post(
        "/api/v1/stock-movements/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    second = supervisor_client.post(
        "/api/v1/stock-movements/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.data["id"] == second.data["id"]
    assert StockLevel.objects.get(part=part, location=warehouse).on_hand == 2


def test_movements_roles(auditor_client, agent_client, integrator_client, part, warehouse, stock):
    stock(part, warehouse, 1)
    assert auditor_client.get("/api/v1/stock-movements/").status_code == 200
    body = {"kind": "receipt", "part": part.pk, "quantity": 1, "to_location": warehouse.pk}
    assert auditor_client.post("/api/v1/stock-movements/", body).status_code == 403
    assert agent_client.post("/api/v1/stock-movements/", body).status_code == 403
    assert integrator_client.get("/api/v1/stock-movements/").status_code == 403


def test_stock_levels_below_reorder_filter(supervisor_client, warehouse, stock):
    low, fine = PartFactory(reorder_point=5), PartFactory(reorder_point=1)
    stock(low, warehouse, 3)
    stock(fine, warehouse, 3)
    response = supervisor_client.get("/api/v1/stock-levels/?below_reorder=true")
    assert [r["part"] for r in response.data["results"]] == [low.pk]
    row = response.data["results"][0]
    assert (row["on_hand"], row["reserved"], row["available"]) == (3, 0, 3)
    assert set(response.data) == {"next", "previous", "results"}
    by_part = supervisor_client.get(f"/api/v1/stock-levels/?part={fine.pk}&location={warehouse.pk}")
    assert [r["part"] for r in by_part.data["results"]] == [fine.pk]


def test_stock_level_list_is_constant_query(
    supervisor_client, stock, django_assert_max_num_queries
):
    locations = [LocationFactory() for _ in range(3)]
    for _ in range(4):
        part = PartFactory()
        for location in locations:
            stock(part, location, 2)
    with django_assert_max_num_queries(4):  # token, roles, the page
        response = supervisor_client.get("/api/v1/stock-levels/?page_size=200")
    assert len(response.data["results"]) == 12


def test_technician_sees_only_their_van(technician_client, part, van, warehouse, stock):
    stock(part, van, 1)
    stock(part, warehouse, 1)
    levels = technician_client.get("/api/v1/stock-levels/").data["results"]
    assert [level["location"] for level in levels] == [van.pk]
    movements = technician_client.get("/api/v1/stock-movements/").data["results"]
    assert [m["to_location"] for m in movements] == [van.pk]
    assert technician_client.post("/api/v1/stock-movements/", {}).status_code == 403


def _dispatch_body(technician, **extra):
    from tests.tickets.factories import appointment

    start, end = appointment()
    return {
        "technician": technician.pk,
        "appointment_start": start.isoformat(),
        "appointment_end": end.isoformat(),
        **extra,
    }


def test_ticket_dispatch_reserves_and_complete_issues_via_api(
    supervisor_client, technician_client, technician, job, part, van, stock
):
    stock(part, van, 2)
    ticket = job(status="triaged")
    body = _dispatch_body(technician, parts=[{"part": part.pk, "quantity": 1}])
    response = supervisor_client.post(f"/api/v1/tickets/{ticket.pk}/dispatch/", body, format="json")
    assert response.status_code == 200, response.data
    assert StockLevel.objects.get(part=part, location=van).reserved == 1
    technician_client.post(f"/api/v1/tickets/{ticket.pk}/check_in/", {}, format="json")
    done = technician_client.post(
        f"/api/v1/tickets/{ticket.pk}/complete/",
        {
            "fault_class": "hardware",
            "fault_code": "E4",
            "diagnosis": "d",
            "work_done": "w",
            "test_passed": True,
            "parts_used": [{"part": part.pk, "quantity": 1, "removed_serial": "OLD-1"}],
        },
        format="json",
    )
    assert done.status_code == 200, done.data
    summary = technician_client.get(f"/api/v1/tickets/{ticket.pk}/parts/").data
    assert [line["part_sku"] for line in summary["lines"]] == [part.sku]
    assert summary["reserved"] == [] and summary["charged_total"] == "0.00"


def test_ticket_dispatch_409_when_stock_is_short(
    supervisor_client, technician, job, part, warehouse
):
    ticket = job(status="triaged")
    body = _dispatch_body(
        technician, parts=[{"part": part.pk, "quantity": 1, "location": warehouse.pk}]
    )
    response = supervisor_client.post(f"/api/v1/tickets/{ticket.pk}/dispatch/", body, format="json")
    assert response.status_code == 409 and response.data["code"] == "insufficient_stock"
    bad = supervisor_client.post(
        f"/api/v1/tickets/{ticket.pk}/dispatch/",
        _dispatch_body(technician, parts=[{"part": 999999, "quantity": 0}]),
        format="json",
    )
    assert bad.status_code == 400 and "parts" in bad.data


def test_complete_400_for_unapproved_part(technician_client, job, van, stock):
    part = PartFactory(approved=False)
    stock(part, van, 1)
    ticket = job()
    response = technician_client.post(
        f"/api/v1/tickets/{ticket.pk}/complete/",
        {
            "fault_class": "hardware",
            "fault_code": "E4",
            "diagnosis": "d",
            "work_done": "w",
            "test_passed": True,
            "parts_used": [{"part": part.pk, "quantity": 1}],
        },
        format="json",
    )
    assert response.status_code == 400 and "parts_used" in response.data


def test_product_service_history(supervisor_client, technician, job, part, van, stock):
    product = ProductFactory(customer__area=technician.areas.first())
    stock(part, van, 1)
    ticket = job(product=product)
    complete(
        ticket,
        technician,
        [{"part": part, "quantity": 1, "fitted_serial": "N1", "removed_serial": "O1"}],
    )
    history = supervisor_client.get(f"/api/v1/products/{product.pk}/service-history/").data
    assert [t["number"] for t in history] == [ticket.number]
    assert history[0]["parts"][0]["fitted_serial"] == "N1"
    assert history[0]["parts"][0]["removed_serial"] == "O1"


def test_refurbish_and_scrap_via_api(
    supervisor_client, technician, job, part, van, warehouse, stock
):
    stock(part, van, 2)
    ticket = job()
    complete(
        ticket,
        technician,
        [
            {"part": part, "quantity": 1, "removed_serial": "O1"},
            {"part": part, "quantity": 1, "removed_serial": "O2"},
        ],
    )
    first, second = lines = list(ticket.parts.order_by("id"))
    assert len(lines) == 2
    ok = supervisor_client.post(
        f"/api/v1/ticket-parts/{first.pk}/refurbish/", {"location": warehouse.pk}, format="json"
    )
    assert ok.status_code == 200 and ok.data["kind"] == "recovery"
    scrapped = supervisor_client.post(f"/api/v1/ticket-parts/{second.pk}/scrap/", {}, format="json")
    assert scrapped.status_code == 200 and scrapped.data["recovery_status"] == "scrapped"
    again = supervisor_client.post(f"/api/v1/ticket-parts/{second.pk}/scrap/", {}, format="json")
    assert again.status_code == 400
    assert StockMovement.objects.filter(kind="recovery").count() == 1


def test_stock_level_fast_path_equals_drf_fields(warehouse, stock):
    from rest_framework import serializers

    from parts.api.serializers import StockLevelSerializer
    from parts.selectors import stock_level_list

    stock(PartFactory(reorder_point=3), warehouse, 2)
    level = stock_level_list(user=warehouse_user()).get()
    fast = StockLevelSerializer(level).data
    slow = serializers.ModelSerializer.to_representation(StockLevelSerializer(), level)
    assert fast == dict(slow)


def warehouse_user():
    from django.contrib.auth import get_user_model

    return get_user_model()(is_superuser=True)


def test_technician_sees_own_van_and_the_stores_not_other_vans(technician_client, technician):
    from parts import services
    from tests.tickets.factories import TechnicianFactory

    own = services.location_create_van(technician=technician, actor=None)
    other = services.location_create_van(
        technician=TechnicianFactory(user__username="tech7"), actor=None
    )
    store = LocationFactory(code="WH-9")
    codes = {r["code"] for r in technician_client.get("/api/v1/stock-locations/").data["results"]}
    assert codes == {own.code, store.code}
    assert technician_client.get(f"/api/v1/stock-locations/{other.pk}/").status_code == 404


def test_stock_count_via_api(supervisor_client, auditor_client, part, warehouse, stock):
    stock(part, warehouse, 6)
    opened = supervisor_client.post(
        "/api/v1/stock-counts/", {"location": warehouse.pk, "note": "Q4"}, format="json"
    )
    assert opened.status_code == 201 and opened.data["status"] == "open"
    url = f"/api/v1/stock-counts/{opened.data['id']}/"
    bad = supervisor_client.post(url + "lines/", {"part": part.pk, "counted": -1}, format="json")
    assert bad.status_code == 400 and "counted" in bad.data
    supervisor_client.post(url + "lines/", {"part": part.pk, "counted": 4}, format="json")
    assert auditor_client.post(url + "approve/").status_code == 403
    approved = supervisor_client.post(url + "approve/")
    assert approved.status_code == 200 and approved.data["status"] == "approved"
    assert approved.data["lines"][0]["expected"] == 6
    assert StockLevel.objects.get(part=part, location=warehouse).on_hand == 4
    again = supervisor_client.post(url + "approve/")
    assert again.status_code == 400
