"""The daily reorder digest (库存预警): open alerts to the supervisors, with a suggestion."""

from django.db import transaction
from django.utils import timezone

from aftersales.platform.models import NotificationKind
from aftersales.platform.selectors import staff_to_notify
from aftersales.platform.services import notify
from aftersales.roles import Role

from ..selectors import open_reorder_alerts, suggested_transfer_source


def reorder_digest_lines():
    """One plain dict per open alert: part, location, available now, reorder point and
    quantity, and a suggested transfer from the warehouse with the most available."""
    lines = []
    for alert in open_reorder_alerts():
        level = alert.part.levels.filter(location=alert.location).first()
        source = suggested_transfer_source(part=alert.part, exclude_location=alert.location)
        lines.append(
            {
                "sku": alert.part.sku,
                "part": alert.part.name,
                "location": alert.location.code,
                "available": level.available if level else 0,
                "reorder_point": alert.part.reorder_point,
                "reorder_quantity": alert.part.reorder_quantity,
                "raised_at": alert.raised_at.isoformat(),
                "suggested_source": source.location.code if source else None,
                "source_available": source.available if source else None,
            }
        )
    return lines


@transaction.atomic
def reorder_digest_send(*, today=None):
    """Queue the digest of the open alerts for the supervisors; returns the number of
    lines queued (0: nothing low, nobody to tell, or today's digest already queued).

    Writes one ``Notification`` per supervisor and channel (``dedupe_key``
    ``reorder-digest:<local date>``: a retried or repeated run the same day adds
    nothing); delivery follows the commit. Reads the alerts only; nothing to audit.
    """
    lines = reorder_digest_lines()
    if not lines:
        return 0
    day = today or timezone.localdate()
    rows = notify(
        kind=NotificationKind.REORDER_DIGEST,
        recipients=staff_to_notify(role=Role.SUPERVISOR),
        context={"lines": lines},
        dedupe_key=f"reorder-digest:{day.isoformat()}",
    )
    return len(lines) if rows else 0
