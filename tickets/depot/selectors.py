"""The depot's reads, shared by the API, the pages and the template tags."""

from django.db.models import Count, Prefetch
from django.utils import timezone

from aftersales.roles import Role, roles_of
from tickets.models import TicketEvent

from . import turnaround
from .choices import WORKSHOP_STAGES, DepotStage, ReceiptStatus
from .models import EquipmentReceipt, LoanUnit, ReceiptPhoto

LOAN_READERS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.WORKSHOP})


def receipt_list(*, user):
    """The receipts ``user`` may see, with what a list shows (a fixed number of queries)."""
    photos = Prefetch("photos", queryset=ReceiptPhoto.objects.order_by("id"))
    return (
        EquipmentReceipt.objects.visible_to(user)
        .with_related()
        .prefetch_related(photos)
        .order_by("-received_at", "-id")
    )


def loan_unit_list(*, user):
    if user.is_superuser or roles_of(user) & LOAN_READERS:
        return LoanUnit.objects.select_related("product_model").order_by("number")
    return LoanUnit.objects.none()


def receipt_turnaround(receipt, *, now=None):
    """The receipt's turnaround state (on track / at risk / breached / met) and the time
    left (None once ready), judged at ``now``."""
    now = now or timezone.now()
    kwargs = {"due_at": receipt.due_at, "now": now, "ready_at": receipt.ready_at,
              "paused_at": receipt.paused_at}  # fmt: skip
    return turnaround.state(warn_at=receipt.warn_at, **kwargs), turnaround.left(**kwargs)


def workshop_board(*, user, stage=None):
    """The open receipts by stage, due first (the workshop list), and the count per stage."""
    rows = receipt_list(user=user).filter(status=ReceiptStatus.OPEN)
    counts = dict(rows.order_by().values_list("stage").annotate(n=Count("id")))
    if stage:
        rows = rows.filter(stage=stage)
    rows = rows.order_by("due_at", "id")
    return rows, [(s, DepotStage(s).label, counts.get(s, 0)) for s in WORKSHOP_STAGES]


def open_receipt_of(ticket):
    return EquipmentReceipt.objects.filter(ticket=ticket, status=ReceiptStatus.OPEN).first()


def ticket_stage_history(ticket):
    """The ticket's workshop stages as the customer may see them: (stage label, when),
    oldest first; no notes, no names."""
    events = TicketEvent.objects.filter(ticket=ticket, kind="depot_stage").order_by(
        "created_at", "id"
    )
    history = []
    for stage, at in events.values_list("payload__stage", "created_at"):
        if stage in DepotStage.values and (not history or history[-1][0] != stage):
            history.append((stage, at))
    return [(DepotStage(stage).label, at) for stage, at in history]
