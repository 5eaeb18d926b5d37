"""Part numbers (issue 16 item 2): any manufacturer's number, trimmed, unique ignoring case
(in the service, the API, the admin and a database constraint), an optional pattern from
configuration with its message, and the existing <FAMILY>-<5 digits> rows unaffected."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from parts import services
from parts.forms import PartsUsedField
from parts.models import Part
from tests.parts.factories import PartFactory
from tests.tickets.factories import ProductCategoryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/parts/"


def _body(sku, **extra):
    return {
        "sku": sku,
        "name": "Door lock",
        "category": "aircon",
        "unit_cost": "10.00",
        "unit_price": "25.00",
        **extra,
    }


@pytest.fixture(autouse=True)
def _category():
    ProductCategoryFactory()


@pytest.mark.parametrize("sku", ["P443450", "5304-4863-00", "DC97-16350C", "AC-00123"])
def test_any_manufacturer_number_is_accepted(supervisor_client, sku):
    response = supervisor_client.post(URL, _body(f"  {sku} "), format="json")

    assert response.status_code == 201, response.data
    assert response.data["sku"] == sku
    assert Part.objects.get(pk=response.data["id"]).sku == sku


def test_a_number_differing_only_in_case_is_taken(supervisor_client):
    assert supervisor_client.post(URL, _body("P443450"), format="json").status_code == 201

    response = supervisor_client.post(URL, _body("p443450"), format="json")

    assert response.status_code == 400
    assert "already exists" in response.data["sku"][0]
    assert Part.objects.count() == 1


def test_the_service_trims_and_refuses_a_case_duplicate(supervisor):
    category = ProductCategoryFactory()
    fields = {"name": "Lock", "category": category, "unit_cost": 1, "unit_price": 2}
    part = services.part_create(actor=supervisor, sku=" P443450\t", **fields)
    assert part.sku == "P443450"

    with pytest.raises(ValidationError) as taken:
        services.part_create(actor=supervisor, sku="p443450", **fields)
    assert "sku" in taken.value.message_dict


def test_the_database_holds_case_insensitive_uniqueness():
    PartFactory(sku="P443450")

    with pytest.raises(IntegrityError), transaction.atomic():
        Part.objects.bulk_create(
            [
                Part(
                    sku="p443450",
                    name="x",
                    category_id=PartFactory().category_id,
                    unit_cost=1,
                    unit_price=1,
                )
            ]
        )


def test_a_configured_pattern_is_enforced_with_its_message(supervisor_client, settings):
    settings.PART_NUMBER_PATTERN = r"[A-Z]{2,4}-[0-9]{5}"
    settings.PART_NUMBER_PATTERN_MESSAGE = "Use our scheme, e.g. AC-00123."

    refused = supervisor_client.post(URL, _body("P443450"), format="json")
    accepted = supervisor_client.post(URL, _body("AC-00123"), format="json")

    assert refused.status_code == 400
    assert refused.data["sku"] == ["Use our scheme, e.g. AC-00123."]
    assert accepted.status_code == 201, accepted.data
    assert list(Part.objects.values_list("sku", flat=True)) == ["AC-00123"]


def test_a_pattern_without_its_message_names_the_pattern(supervisor, settings):
    settings.PART_NUMBER_PATTERN = r"P[0-9]{6}"
    category = ProductCategoryFactory()

    with pytest.raises(ValidationError) as refused:
        services.part_create(
            actor=supervisor, sku="AC-1", name="x", category=category, unit_cost=1, unit_price=1
        )

    assert "P[0-9]{6}" in refused.value.message_dict["sku"][0]


def test_existing_rows_keep_working_under_a_pattern(supervisor, settings):
    """A pattern applies to numbers entered, not to the rows already stored: editing
    another field of an old part is not refused."""
    part = PartFactory(sku="AC-00001")
    settings.PART_NUMBER_PATTERN = r"P[0-9]{6}"

    updated = services.part_update(part=part, actor=supervisor, reorder_point=4)

    assert updated.reorder_point == 4


def test_parts_used_are_found_in_any_case():
    lock = PartFactory(sku="P443450")
    relay = PartFactory(sku="AC-00101")

    lines = PartsUsedField().clean("p443450 2\nac-00101\n")

    assert [(line["part"], line["quantity"]) for line in lines] == [(lock, 2), (relay, 1)]
