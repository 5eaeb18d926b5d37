"""The bulk notice to the affected customers: drafted, then sent once per customer. The
recipients are one PostgreSQL statement; ``portable`` records them on other databases."""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.platform.models import NotificationKind
from aftersales.platform.services import notify
from aftersales.roles import acting_user
from audits.services import audit_record
from tickets.models import Customer

from ..choices import IncidentEventKind
from ..exceptions import NoticeAlreadySent
from ..models import IncidentNotice
from .common import _event, _locked, _postgresql, _require_supervisor
from .portable import _notice_deliveries_orm

# --- The bulk notice -------------------------------------------------------------------


@transaction.atomic
def incident_notice_draft(*, incident, actor, subject, body):
    """Write a notice to the affected customers (sent by ``incident_notice_send``)."""
    _require_supervisor(actor)
    errors = {}
    if not (subject or "").strip():
        errors["subject"] = [_("Write a subject.")]
    if not (body or "").strip():
        errors["body"] = [_("Write the message.")]
    if errors:
        raise ValidationError(errors)
    incident = _locked(incident)
    notice = IncidentNotice.objects.create(
        incident=incident,
        subject=subject.strip()[:200],
        body=body.strip(),
        created_by=acting_user(actor),
    )
    _event(incident, IncidentEventKind.NOTICE_DRAFTED, actor, notice=notice.pk)
    audit_record(
        actor=actor,
        action="incident.notice_drafted",
        obj=notice,
        changes={"incident": incident.pk, "subject": notice.subject},
    )
    return notice


_NOTICE_DELIVERIES = """
INSERT INTO incidents_incidentnoticedelivery (notice_id, customer_id, created_at)
SELECT DISTINCT %(notice)s::int, t.customer_id, %(now)s::timestamptz
FROM incidents_incidentticket l
JOIN tickets_ticket t ON t.id = l.ticket_id
JOIN tickets_customer c ON c.id = t.customer_id
WHERE l.incident_id = %(incident)s AND l.unlinked_at IS NULL
  AND c.erased_at IS NULL AND c.consent_service
ON CONFLICT (notice_id, customer_id) DO NOTHING
RETURNING customer_id
"""


def notice_context(incident, notice):
    """What the ``incident_notice`` templates render (also the page's preview)."""
    return {
        "incident": incident.number,
        "title": incident.title,
        "subject": notice.subject,
        "body": notice.body,
    }


@transaction.atomic
def incident_notice_send(*, notice, actor):
    """Send ``notice`` to the customers of the linked tickets, ONCE per customer even when
    a customer has several tickets, the button is clicked twice or two supervisors send
    at once: the notice row is locked, a second send finds it sent (``notice_already_sent``);
    the customers are chosen and recorded in one ``INSERT … SELECT DISTINCT … ON
    CONFLICT DO NOTHING`` (per notice × customer), and the outbox rows carry the dedupe
    key ``incident:<id>:notice:<id>`` per customer. Erased customers and those without
    consent to service contact are skipped. Constant queries; delivery after commit."""
    _require_supervisor(actor)
    notice = IncidentNotice.objects.select_for_update().select_related("incident").get(pk=notice.pk)
    if notice.sent_at is not None:
        raise NoticeAlreadySent(_("This notice was already sent."))
    incident = notice.incident
    now = timezone.now()
    if _postgresql():
        with connection.cursor() as cursor:
            cursor.execute(
                _NOTICE_DELIVERIES, {"notice": notice.pk, "incident": incident.pk, "now": now}
            )
            customer_ids = [row[0] for row in cursor.fetchall()]
    else:
        customer_ids = _notice_deliveries_orm(notice, incident, now)
    customers = list(Customer.objects.filter(pk__in=customer_ids).order_by("pk"))
    if customers:
        notify(
            kind=NotificationKind.INCIDENT_NOTICE,
            recipients=customers,
            context=notice_context(incident, notice),
            dedupe_key=f"incident:{incident.pk}:notice:{notice.pk}",
        )
    notice.sent_at, notice.sent_by, notice.recipients = now, acting_user(actor), len(customers)
    notice.save(update_fields=["sent_at", "sent_by", "recipients"])
    _event(incident, IncidentEventKind.NOTICE_SENT, actor, notice=notice.pk, count=len(customers))
    audit_record(
        actor=actor,
        action="incident.notice_sent",
        obj=notice,
        changes={"incident": incident.pk, "customers": len(customers)},
    )
    return notice
