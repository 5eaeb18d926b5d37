"""Demo charging standards for ``seed_demo``: one published price list in force from
today (labour per service type and product category, call-out zones A ≤ 10 km,
B ≤ 30 km, C beyond), and a ``finance`` login that decides refunds. Idempotent, written
through the services."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from aftersales.roles import Role
from tickets.models import ProductCategory

from . import services
from .models import PriceList

# service type, product category code (None: any), labour fee
LABOUR = [
    ("repair", None, "80.00"),
    ("repair", "aircon", "120.00"),
    ("repair", "washer", "100.00"),
    ("repair", "fridge", "110.00"),
    ("installation", None, "150.00"),
    ("installation", "aircon", "200.00"),
    ("maintenance", None, "60.00"),
    ("maintenance", "aircon", "90.00"),
    ("return_exchange", None, "50.00"),
]
ZONES = [
    ("A", "Zone A 市区 (≤ 10 km)", "10", "30.00"),
    ("B", "Zone B 近郊 (≤ 30 km)", "30", "60.00"),
    ("C", "Zone C 远郊 (> 30 km)", None, "100.00"),
]


def seed_demo_charges(*, actor, password):
    """The demo price list (once) and the finance user."""
    user, created = get_user_model().objects.get_or_create(
        username="finance", defaults={"first_name": "Finance 财务"}
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get_or_create(name=Role.FINANCE)[0])
    if PriceList.objects.published().exists():
        return
    draft = PriceList.objects.filter(code="STD-DEMO").first() or services.price_list_create(
        actor=actor,
        code="STD-DEMO",
        name="Charging standards 收费标准",
        effective_from=timezone.localdate(),
        notes="Demo price list (seed_demo).",
    )
    categories = {c.code: c for c in ProductCategory.objects.all()}
    for service_type, category, amount in LABOUR:
        if category is not None and category not in categories:
            continue
        services.price_list_labour_set(
            price_list=draft,
            actor=actor,
            service_type=service_type,
            product_category=categories.get(category) if category else None,
            amount=Decimal(amount),
        )
    for code, name, limit, fee in ZONES:
        services.price_list_zone_set(
            price_list=draft,
            actor=actor,
            code=code,
            name=name,
            up_to_km=None if limit is None else Decimal(limit),
            fee=Decimal(fee),
        )
    services.price_list_publish(price_list=draft, actor=actor)
