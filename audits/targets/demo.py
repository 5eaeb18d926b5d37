"""Demo data of service targets for ``seed_demo`` (through ``manage.py seed_demo_targets``):
an approved set for this month (with a break-down for the first area), last month's set
approved and evaluated (its misses filed as findings), and this quarter's set submitted
and waiting for the manager. Idempotent (a period that has a set is left alone), written
through the services."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from aftersales.roles import Role
from tickets.models import Area

from . import services
from .models import TargetSet

LINES = [
    {"metric": "response_sla", "value": "98"},
    {"metric": "dispatch_sla", "value": "95"},
    {"metric": "first_time_fix", "value": "85"},
    {"metric": "satisfaction", "value": "4.5"},
    {"metric": "complaint_rate", "value": "2"},
]


def _user(role):
    return get_user_model().objects.filter(groups__name=role, is_active=True).order_by("pk").first()


def _lines(area):
    lines = [dict(line) for line in LINES]
    if area is not None:
        lines[2]["breakdowns"] = [{"area": area.pk, "value": "80"}]
    return lines


def seed_demo_targets(today=None):
    """Returns the sets it created (none on a second run)."""
    today = today or timezone.localdate()
    supervisor, manager = _user(Role.SUPERVISOR), _user(Role.MANAGER)
    if supervisor is None or manager is None:
        return []
    area = Area.objects.order_by("code").first()
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    created = []
    for kind, day, approve, evaluate in (
        ("month", last_month, True, True),
        ("month", today, True, False),
        ("quarter", today, False, False),
    ):
        first, _last = services.period_days(kind, day)
        if TargetSet.objects.filter(period_kind=kind, period_start=first).exists():
            continue
        target_set = services.target_set_create(
            actor=supervisor, period_kind=kind, period_start=first, lines=_lines(area)
        )
        services.target_set_submit(target_set=target_set, actor=supervisor)
        if approve:
            services.target_set_approve(target_set=target_set, actor=manager)
        if evaluate:
            services.target_set_evaluate(target_set=target_set, actor=supervisor, today=today)
        created.append(target_set)
    return created
