"""Demo instruments (``manage.py seed_demo``): the kinds, the air conditioners' requirement
(a refrigerant gauge and a leak detector), and instruments issued to the demo technicians
— one leak detector overdue for calibration so the job page's warning shows. Created once,
through the services (audited)."""

import datetime

from django.utils import timezone

from parts.choices import LocationKind
from parts.models import StockLocation
from tickets.models import ProductCategory

from .models import Instrument, InstrumentKind
from .services import (
    instrument_create,
    instrument_issue,
    instrument_kind_create,
    tool_requirements_set,
)

KINDS = [
    ("multimeter", "Multimeter 万用表", 12),
    ("refrigerant-gauge", "Refrigerant gauge 冷媒压力表", 12),
    ("leak-detector", "Leak detector 检漏仪", 12),
    ("insulation-tester", "Insulation tester 绝缘电阻测试仪", 12),
]


def seed_demo_tools(*, actor, technicians):
    if InstrumentKind.objects.exists():
        return
    kinds = {
        code: instrument_kind_create(
            actor=actor, code=code, name=name, calibration_interval_months=months
        )
        for code, name, months in KINDS
    }
    aircon = ProductCategory.objects.filter(code="aircon").first()
    if aircon is not None:
        tool_requirements_set(
            actor=actor,
            category=aircon,
            kinds=[kinds["refrigerant-gauge"], kinds["leak-detector"]],
        )
    store = StockLocation.objects.exclude(kind=LocationKind.VAN).order_by("code").first()
    today = timezone.localdate()
    number = 0
    for index, technician in enumerate(technicians):
        for code in ("multimeter", "refrigerant-gauge", "leak-detector"):
            number += 1
            # The first technician's leak detector is overdue: the check-in warning shows.
            overdue = index == 0 and code == "leak-detector"
            due = (
                today - datetime.timedelta(days=3)
                if overdue
                else today + datetime.timedelta(days=20 + 30 * number)
            )
            instrument = instrument_create(
                actor=actor,
                number=f"T-{number:04d}",
                kind=kinds[code],
                model="Demo 100",
                serial=f"SN{number:06d}",
                location=store,
                last_calibrated_on=due - datetime.timedelta(days=365),
                calibration_due_on=due,
            )
            instrument_issue(instrument=instrument, actor=actor, technician=technician)
    for code in ("insulation-tester", "leak-detector"):
        number += 1
        instrument_create(
            actor=actor,
            number=f"T-{number:04d}",
            kind=kinds[code],
            model="Demo 200",
            serial=f"SN{number:06d}",
            location=store,
            calibration_due_on=today + datetime.timedelta(days=10),
        )
    return Instrument.objects.count()
