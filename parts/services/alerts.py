"""The daily reorder digest (库存预警): open alerts to the supervisors, with a suggestion."""

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils.translation import gettext as _

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


def reorder_digest_send():
    """Mail the open alerts to every active supervisor with an address; returns the
    number of lines sent (0: nothing low, or nobody to tell). Reads only: no transaction,
    nothing to audit."""
    lines = reorder_digest_lines()
    recipients = sorted(
        get_user_model()
        .objects.filter(groups__name=Role.SUPERVISOR, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not lines or not recipients:
        return 0
    body = "\n".join(
        _("%(sku)s %(part)s at %(location)s: %(available)s available (reorder point %(point)s)")
        % {**line, "point": line["reorder_point"]}
        + (
            _("; suggest %(qty)s from %(source)s (%(has)s available)")
            % {
                "qty": line["reorder_quantity"],
                "source": line["suggested_source"],
                "has": line["source_available"],
            }
            if line["suggested_source"]
            else ""
        )
        for line in lines
    )
    send_mail(
        _("Low stock: %(n)s part(s) at or below the reorder point") % {"n": len(lines)},
        body,
        None,
        recipients,
    )
    return len(lines)
