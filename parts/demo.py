"""Demo parts and stock for ``seed_demo``: idempotent, written through the services."""

from decimal import Decimal

from tickets.models import ProductCategory, ProductModel

from . import services
from .choices import LocationKind
from .models import Part, StockLocation, StockMovement

# sku, name, category, models, cost, price, warranty covered, approved, reorder point/qty
PARTS = [
    ("AC-00101", "Compressor relay 压缩机继电器", "aircon", ["KFR-35GW"], "18", "45", True, True, 5, 20),  # noqa: E501
    ("AC-00102", "Indoor fan motor 室内风机", "aircon", ["KFR-35GW"], "120", "260", True, True, 2, 6),  # noqa: E501
    ("AC-00103", "Remote control 遥控器", "aircon", ["KFR-35GW"], "15", "60", False, True, 3, 10),
    ("WM-00201", "Drain pump 排水泵", "washer", ["XQG100"], "35", "90", True, True, 3, 10),
    ("WM-00202", "Door gasket 门封", "washer", ["XQG100"], "28", "75", True, True, 2, 8),
    # A supplier's own number, in its own format: any part number is accepted.
    ("P443450", "Door lock 门锁", "washer", ["XQG100"], "19", "55", True, True, 2, 8),
    ("RF-00301", "Defrost thermostat 化霜温控器", "fridge", ["BCD-520"], "22", "65", True, True, 3, 10),  # noqa: E501
    ("RF-00302", "Door shelf 门搁架", "fridge", ["BCD-520"], "9", "40", False, True, 2, 6),
    ("RF-00399", "Grey-market thermostat 非认证温控器", "fridge", [], "8", "30", True, False, 0, 0),
]  # fmt: skip
LOCATIONS = [
    ("WH-SH", "Shanghai central warehouse 上海中心仓", LocationKind.WAREHOUSE),
    ("OUT-PD", "Pudong service outlet 浦东网点", LocationKind.OUTLET),
]  # fmt: skip


def seed_demo_parts(*, actor, technicians):
    """Parts, a warehouse, an outlet, every technician's van, and opening stock (once)."""
    parts = []
    for sku, name, category, models, cost, price, covered, approved, point, qty in PARTS:
        part = Part.objects.filter(sku=sku).first() or services.part_create(
            actor=actor,
            sku=sku,
            name=name,
            category=ProductCategory.objects.get(code=category),
            compatible_models=list(ProductModel.objects.filter(code__in=models)),
            unit_cost=Decimal(cost),
            unit_price=Decimal(price),
            warranty_covered=covered,
            approved=approved,
            reorder_point=point,
            reorder_quantity=qty,
        )
        parts.append(part)
    locations = {}
    for code, name, kind in LOCATIONS:
        locations[code] = StockLocation.objects.filter(code=code).first() or (
            services.location_create(actor=actor, code=code, name=name, kind=kind)
        )
    vans = [services.location_create_van(technician=t, actor=actor) for t in technicians]
    if StockMovement.objects.exists():
        return
    for index, part in enumerate(parts):
        services.stock_receive(
            part=part,
            location=locations["WH-SH"],
            quantity=40 + 5 * index,
            actor=actor,
            reason="Opening stock",
        )
        services.stock_receive(part=part, location=locations["OUT-PD"], quantity=4, actor=actor)
        if not part.approved:
            continue
        for van in vans:
            services.stock_transfer(
                part=part,
                from_location=locations["WH-SH"],
                to_location=van,
                quantity=3 if index % 3 else 1,
                actor=actor,
                reason="Van stock",
            )
