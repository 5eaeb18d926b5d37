"""Stock counts (盘点): a session of counted quantities; approval posts the variances."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.roles import acting_user
from audits.services import audit_record

from ..choices import CountStatus, MovementKind
from ..models import StockCount, StockCountLine
from .stock import _lock_levels, _Move, _post, stock_authorize

# --- Counts ------------------------------------------------------------------------------


@transaction.atomic
def stock_count_open(*, location, actor, note=""):
    """Start a count session at ``location``."""
    stock_authorize(actor)
    count = StockCount.objects.create(
        location=location,
        note=note,
        created_by=acting_user(actor),
    )
    audit_record(actor=actor, action="stock_count.opened", obj=count, changes={"note": note})
    return count


@transaction.atomic
def stock_count_record(*, count, part, counted, actor):
    """Record (or correct) the counted quantity of one part in an open count."""
    stock_authorize(actor)
    if count.status != CountStatus.OPEN:
        raise ValidationError({"count": [_("This count is already approved.")]})
    if counted < 0:
        raise ValidationError({"counted": [_("A count cannot be negative.")]})
    line, _created = StockCountLine.objects.update_or_create(
        count=count, part=part, defaults={"counted": counted}
    )
    audit_record(
        actor=actor,
        action="stock_count.recorded",
        obj=count,
        changes={"part": part.pk, "counted": counted},
    )
    return line


@transaction.atomic
def stock_count_approve(*, count, actor):
    """Approve a count: each line's variance against the book (on hand) is posted as an
    adjustment movement, all under one set of row locks. A counted quantity below what is
    reserved for jobs is refused (409 ``insufficient_stock``): release those first."""
    stock_authorize(actor)
    count = StockCount.objects.select_for_update().get(pk=count.pk)
    if count.status != CountStatus.OPEN:
        raise ValidationError({"count": [_("This count is already approved.")]})
    lines = list(count.lines.select_related("part"))
    levels = _lock_levels([(line.part_id, count.location_id) for line in lines])
    moves = []
    for line in lines:
        book = levels[(line.part_id, count.location_id)].on_hand
        line.expected = book
        variance = line.counted - book
        reason = _("Count %(id)s variance") % {"id": count.pk}
        if variance > 0:
            moves.append(
                _Move(
                    MovementKind.ADJUSTMENT,
                    line.part,
                    variance,
                    target=count.location,
                    reason=reason,
                )
            )
        elif variance < 0:
            moves.append(
                _Move(
                    MovementKind.ADJUSTMENT,
                    line.part,
                    -variance,
                    source=count.location,
                    reason=reason,
                )
            )
    StockCountLine.objects.bulk_update(lines, ["expected"])
    now = timezone.now()
    StockCount.objects.filter(pk=count.pk).update(
        status=CountStatus.APPROVED,
        approved_at=now,
        approved_by=acting_user(actor),
    )
    variances = {line.part_id: line.counted - line.expected for line in lines}
    _post(
        moves=moves,
        actor=actor,
        action="stock_count.approved",
        audit_obj=count,
        extra={"variances": variances},
    )
    if not moves:
        audit_record(actor=actor, action="stock_count.approved", obj=count, changes={})
    count.refresh_from_db()
    return count
