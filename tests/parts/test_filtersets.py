"""One test per filter of the parts lists, a guard that each is covered, and query-count
ceilings on every list."""

import pytest

from parts import filtersets, services
from tests.parts.conftest import complete
from tests.parts.factories import LocationFactory, PartFactory
from tests.tickets.factories import ProductCategoryFactory, ProductModelFactory

pytestmark = pytest.mark.django_db

COVERED = {
    "PartFilterSet": {"sku", "category", "approved", "active", "compatible_with"},
    "StockLocationFilterSet": {"kind", "active", "technician", "area"},
    "StockLevelFilterSet": {"part", "location", "below_reorder", "location_kind"},
    "StockMovementFilterSet": {"kind", "location", "after", "before", "part", "ticket"},
}


@pytest.mark.parametrize("name", sorted(COVERED))
def test_every_filter_is_covered(name):
    assert set(getattr(filtersets, name).base_filters) == COVERED[name]


def _ids(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.data
    return [row["id"] for row in response.data["results"]]


def test_part_filters(supervisor_client):
    washer = ProductCategoryFactory(code="washer", name="Washers")
    model = ProductModelFactory(code="XQG100")
    a = PartFactory(sku="AC-00001")
    b = PartFactory(sku="WM-00001", category=washer, approved=False, active=False)
    b.compatible_models.set([model])
    assert _ids(supervisor_client, "/api/v1/parts/?sku=AC-00001") == [a.pk]
    assert _ids(supervisor_client, "/api/v1/parts/?category=washer") == [b.pk]
    assert _ids(supervisor_client, "/api/v1/parts/?approved=false") == [b.pk]
    assert _ids(supervisor_client, "/api/v1/parts/?active=true") == [a.pk]
    assert _ids(supervisor_client, "/api/v1/parts/?compatible_with=XQG100") == [b.pk]


def test_location_filters(supervisor_client, technician, van):
    from tests.tickets.factories import AreaFactory

    area = AreaFactory(code="xuhui", name="Xuhui")
    outlet = LocationFactory(code="OUT-1", kind="outlet", area=area)
    assert _ids(supervisor_client, "/api/v1/stock-locations/?kind=outlet") == [outlet.pk]
    assert _ids(supervisor_client, f"/api/v1/stock-locations/?technician={technician.pk}") == [
        van.pk
    ]
    assert _ids(supervisor_client, f"/api/v1/stock-locations/?area={area.pk}") == [outlet.pk]
    assert len(_ids(supervisor_client, "/api/v1/stock-locations/?active=true")) == 2


def test_level_filters(supervisor_client, warehouse, van, stock):
    low, other = PartFactory(reorder_point=5), PartFactory()
    stock(low, warehouse, 1)
    stock(other, van, 9)
    url = "/api/v1/stock-levels/"
    assert len(_ids(supervisor_client, f"{url}?part={low.pk}")) == 1
    assert len(_ids(supervisor_client, f"{url}?location={van.pk}")) == 1
    assert len(_ids(supervisor_client, f"{url}?below_reorder=true")) == 1
    assert len(_ids(supervisor_client, f"{url}?below_reorder=false")) == 1
    assert len(_ids(supervisor_client, f"{url}?location_kind=van")) == 1


def test_movement_filters(supervisor_client, supervisor, warehouse, van, stock, job, technician):
    part, other = PartFactory(), PartFactory()
    receipt = stock(part, warehouse, 5)
    transfer = services.stock_transfer(
        part=part, from_location=warehouse, to_location=van, quantity=2, actor=supervisor
    )
    stock(other, van, 1)
    ticket = job()
    complete(ticket, technician, [{"part": other, "quantity": 1}])
    url = "/api/v1/stock-movements/"
    assert _ids(supervisor_client, f"{url}?kind=transfer") == [transfer.pk]
    assert set(_ids(supervisor_client, f"{url}?location={warehouse.pk}")) == {
        receipt.pk,
        transfer.pk,
    }
    assert len(_ids(supervisor_client, f"{url}?part={part.pk}")) == 2
    assert len(_ids(supervisor_client, f"{url}?ticket={ticket.pk}")) == 1
    after = receipt.created_at.isoformat().replace("+00:00", "Z")
    assert receipt.pk in _ids(supervisor_client, f"{url}?after={after}")
    assert _ids(supervisor_client, f"{url}?before={after}") == []


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/parts/",
        "/api/v1/stock-locations/",
        "/api/v1/stock-levels/",
        "/api/v1/stock-movements/",
        "/api/v1/ticket-parts/",
    ],
)
def test_list_query_count_is_constant(
    url, supervisor_client, supervisor, stock, job, technician, van, django_assert_max_num_queries
):
    model = ProductModelFactory()
    for _ in range(5):
        part = PartFactory()
        part.compatible_models.set([model])
        stock(part, LocationFactory(), 3)
        stock(part, van, 1)
    ticket = job()
    complete(ticket, technician, [{"part": part, "quantity": 1}])
    # token + roles, the page, and for page-number lists a count and a prefetch
    with django_assert_max_num_queries(5):
        response = supervisor_client.get(url + "?page_size=200")
    assert response.status_code == 200 and response.data["results"]
