"""Demo depot data for ``seed_demo``: the workshop's login, two loan units and three units
in the workshop (one just received with a loan unit, one waiting for parts, one ready for
collection). Idempotent, written through the services."""

import base64
import io

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from PIL import Image, ImageDraw

from aftersales.roles import Role
from tickets.choices import OPEN_STATUSES
from tickets.models import Ticket

from . import services
from .choices import DepotStage
from .models import EquipmentReceipt, LoanUnit

LOAN_UNITS = [("LU-001", "LOAN-AC-001"), ("LU-002", "LOAN-AC-002")]
PATHS = [
    (),
    (DepotStage.DIAGNOSING, DepotStage.WAITING_PARTS),
    (DepotStage.DIAGNOSING, DepotStage.REPAIRING, DepotStage.QUALITY_CHECK, DepotStage.READY),
]


def _signature():
    image = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(image).line(
        [(20, 90), (80, 30), (140, 90), (200, 30), (260, 90)], fill="black", width=4
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def seed_demo_depot(*, actor, password):
    """The login ``workshop`` (role workshop), loan units and three repairs."""
    user, _created = get_user_model().objects.get_or_create(username="workshop")
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get_or_create(name=Role.WORKSHOP)[0])
    if EquipmentReceipt.objects.exists():
        return
    tickets = list(
        Ticket.objects.filter(status__in=OPEN_STATUSES, product__isnull=False).order_by("id")[:3]
    )
    if not tickets:
        return
    units = []
    for number, serial in LOAN_UNITS:
        unit = LoanUnit.objects.filter(number=number).first() or services.loan_unit_create(
            actor=actor, number=number, product_model=tickets[0].product.model, serial_number=serial
        )
        units.append(unit)
    signature = _signature()
    for index, (ticket, path) in enumerate(zip(tickets, PATHS, strict=False)):
        receipt = services.receipt_take_in(
            ticket=ticket,
            actor=actor,
            signature=signature,
            condition_checks=["scratches"] if index else [],
            accessories=["remote", "power_cord"],
            loan_unit=units[0] if index == 0 else None,
        )
        for stage in path:
            receipt = services.receipt_stage_set(receipt=receipt, actor=user, stage=stage)
