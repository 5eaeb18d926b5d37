"""Demo data of the costs app for ``seed_demo`` (through ``manage.py seed_demo_costs``):
the logins ``finance`` and ``manager``, the cost rates, this month's budgets per area, and
three claims of ``tech1`` at different steps of the chain. Idempotent, written through
the services."""

import datetime
import io
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from aftersales.roles import Role
from technicians.models import Technician
from tickets.models import Area, Ticket

from . import services
from .choices import CostKind
from .models import CostRate, ExpenseClaim

# Monthly budget per area and kind (CNY).
BUDGETS = {
    CostKind.LABOUR: "20000.00",
    CostKind.PARTS: "8000.00",
    CostKind.TRAVEL: "3000.00",
    CostKind.OUTSOURCING: "5000.00",
}


def _receipt(text):
    image = Image.new("RGB", (360, 480), (250, 248, 240))
    ImageDraw.Draw(image).text((24, 24), text, fill=(30, 30, 30))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return SimpleUploadedFile("receipt.jpg", out.getvalue(), content_type="image/jpeg")


def _user(username, role, password):
    user, _created = get_user_model().objects.get_or_create(username=username)
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def seed_demo_costs(*, password=None):
    """Create what is missing; returns the demo logins it made (username, role)."""
    password = password or settings.DEMO_PASSWORD
    finance = _user("finance", Role.FINANCE, password)
    _user("manager", Role.MANAGER, password)
    supervisor = get_user_model().objects.filter(groups__name=Role.SUPERVISOR).first()
    if not CostRate.objects.exists():
        services.cost_rate_create(
            actor=finance,
            effective_from=datetime.date(2024, 1, 1),
            labour_hourly_rate=Decimal("80.00"),
            travel_km_rate=Decimal("1.50"),
            note="Demo rates",
        )
    month = timezone.localdate().replace(day=1)
    for area in Area.objects.all():
        for kind, amount in BUDGETS.items():
            services.budget_set(actor=finance, month=month, area=area, kind=kind, amount=amount)
    technician = Technician.objects.filter(user__username="tech1").first()
    if technician is not None and not ExpenseClaim.objects.exists():
        today = timezone.localdate()
        job = (
            Ticket.objects.filter(technician=technician)
            .exclude(completed_at=None)
            .order_by("-completed_at")
            .first()
        )

        def file(amount, kind, note, ticket=None):
            return services.expense_claim_file(
                actor=technician.user,
                kind=kind,
                amount=Decimal(amount),
                spent_on=today - datetime.timedelta(days=1),
                receipt=_receipt(f"{kind} {amount} CNY"),
                ticket=ticket,
                note=note,
            )

        file("35.00", "toll", "G15 expressway 高速通行费", ticket=job)
        approved = file("18.00", "parking", "Customer's car park 停车费", ticket=job)
        big = file("2680.00", "lodging", "Three nights on the island job 出差住宿")
        if supervisor is not None:
            services.expense_claim_approve(claim=approved, actor=supervisor, comment="OK")
            services.expense_claim_approve(claim=approved, actor=finance)
            services.expense_claim_approve(claim=big, actor=supervisor, comment="Agreed trip")
            services.expense_claim_approve(claim=big, actor=finance, comment="Receipts match")
    return [("finance", Role.FINANCE.label), ("manager", Role.MANAGER.label)]
