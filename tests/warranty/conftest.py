"""Fixtures of the warranty tests: a model with unit, labour and compressor terms."""

import datetime

import pytest
from django.utils import timezone

from tests.tickets.factories import CustomerFactory, ProductFactory, ProductModelFactory
from tickets.warranty.models import WarrantyPartGroup, WarrantyTerm


def years_ago(years, days=0):
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


@pytest.fixture
def compressor(db):
    return WarrantyPartGroup.objects.create(code="compressor", name="Compressor")


@pytest.fixture
def model_with_terms(compressor):
    """12 months on the unit and labour, 60 on the compressor (a common 三包 table)."""
    model = ProductModelFactory(code="KFR-35GW", warranty_months=12)
    WarrantyTerm.objects.create(product_model=model, scope="unit", months=12)
    WarrantyTerm.objects.create(product_model=model, scope="labour", months=12)
    WarrantyTerm.objects.create(
        product_model=model, scope="part_group", part_group=compressor, months=60
    )
    return model


@pytest.fixture
def old_unit(model_with_terms):
    """Bought two years ago: out for the unit and labour, in for the compressor."""
    return ProductFactory(
        model=model_with_terms, purchase_date=years_ago(2), customer=CustomerFactory()
    )
