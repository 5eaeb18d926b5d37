"""Demo warranty data for ``seed_demo``: part groups, the 三包 terms of the demo models, the
compressor relay in its group, and one customer's extended-warranty contract. Idempotent,
written through the services."""

import datetime
from decimal import Decimal

from django.utils import timezone

from parts.models import Part
from tickets.models import Product, ProductModel

from . import services
from .models import ServiceContract, WarrantyPartGroup, WarrantyTerm

GROUPS = [("compressor", "Compressor 压缩机"), ("motor", "Motor 电机")]
# model code → (scope, group, months): unit and labour 12 months, the main part longer.
TERMS = {
    "KFR-35GW": [("unit", "", 12), ("labour", "", 12), ("part_group", "compressor", 72)],
    "XQG100": [("unit", "", 12), ("labour", "", 12), ("part_group", "motor", 120)],
    "BCD-520": [("unit", "", 12), ("labour", "", 12), ("part_group", "compressor", 72)],
}
PART_GROUPS = {"AC-00101": "compressor", "AC-00102": "motor"}


def seed_demo_warranty(*, actor):
    groups = {}
    for code, name in GROUPS:
        group = WarrantyPartGroup.objects.filter(code=code).first()
        groups[code] = group or services.part_group_create(actor=actor, code=code, name=name)
    for model in ProductModel.objects.filter(code__in=TERMS):
        for scope, group, months in TERMS[model.code]:
            exists = WarrantyTerm.objects.filter(
                product_model=model, scope=scope, part_group=groups.get(group)
            ).exists()
            if not exists:
                services.warranty_term_create(
                    actor=actor,
                    product_model=model,
                    scope=scope,
                    part_group=groups.get(group),
                    months=months,
                )
    for part in Part.objects.filter(sku__in=PART_GROUPS, warranty_group=""):
        services.part_warranty_group_set(part=part, actor=actor, group_code=PART_GROUPS[part.sku])
    unit = Product.objects.filter(model__code="KFR-35GW").order_by("purchase_date").first()
    if unit is not None and not ServiceContract.objects.exists():
        today = timezone.localdate()
        services.contract_create(
            actor=actor,
            customer=unit.customer,
            products=[unit],
            kind="extended_warranty",
            starts_on=today - datetime.timedelta(days=340),
            ends_on=today + datetime.timedelta(days=25),  # due for its expiry reminder
            fee=Decimal("380.00"),
            visits_included=2,
            note="Demo: two visits a year, parts, labour and call-out.",
        )
