"""A demo quality audit for ``make run`` (``manage.py seed_demo_quality``, after
``seed_demo``): idempotent, written through the services, so the auditors' pages are not
empty in the demo."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from audits.models import QualityAudit
from tickets.choices import TicketStatus
from tickets.models import Ticket

from . import services

TITLE = "Demo: this month 本月抽查"


def seed_demo_quality():
    """An audit over the closed demo tickets (all of them), a finding on the first sample
    and a corrective action for the supervisor that is two days overdue. Does nothing when
    the audit exists or no demo ticket is closed. Returns the audit or None."""
    users = get_user_model().objects
    auditor = users.filter(username="auditor").first()
    supervisor = users.filter(username="supervisor").first()
    closed = Ticket.objects.filter(status__in=[TicketStatus.CLOSED, TicketStatus.FOLLOWED_UP])
    first_closed = closed.order_by("closed_at").values_list("closed_at", flat=True).first()
    if QualityAudit.objects.filter(title=TITLE).exists() or not (auditor and supervisor):
        return None
    if first_closed is None:
        return None
    today = timezone.localdate()
    audit = services.quality_audit_create(
        actor=auditor,
        title=TITLE,
        period_start=min(timezone.localtime(first_closed).date(), today),
        period_end=today,
        sample_percent=100,
        sample_min=1,
        seed=20261201,
    )
    sample = audit.samples.order_by("id").first()
    if sample is None:
        return audit
    finding = services.finding_open(
        audit=audit,
        sample=sample,
        actor=auditor,
        severity="major",
        description="Work order signed, but the fault code does not match the diagnosis. "
        "故障代码与诊断不符。",
    )
    services.corrective_action_create(
        finding=finding,
        actor=auditor,
        owner=supervisor,
        description="Brief the technicians on the fault-code list 向维修人员讲解故障代码表",
        due_on=today - datetime.timedelta(days=2),
    )
    return audit
