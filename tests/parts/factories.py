"""Factories of the parts tests. Stock itself is only ever changed through the services."""

from decimal import Decimal

import factory

from parts.choices import LocationKind
from parts.models import Part, StockLocation
from tests.tickets.factories import ProductCategoryFactory


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part

    sku = factory.Sequence(lambda n: f"AC-{n:05d}")
    name = factory.Sequence(lambda n: f"Compressor relay {n}")
    category = factory.SubFactory(ProductCategoryFactory)
    unit_cost = Decimal("40.00")
    unit_price = Decimal("65.00")
    approved = True
    warranty_covered = True
    reorder_point = 0
    reorder_quantity = 10


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLocation

    code = factory.Sequence(lambda n: f"WH-{n:03d}")
    name = factory.Sequence(lambda n: f"Warehouse {n}")
    kind = LocationKind.WAREHOUSE
