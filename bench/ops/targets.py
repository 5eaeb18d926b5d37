"""Service targets (issue 18, targets): the progress page of an approved set, for last month
and for this quarter, as an auditor opens it (two KPI computations, grouped by area and by
outlet, whatever the number of targets). Set-up idempotent: an approved set per period."""

import datetime

from django.utils import timezone

from audits.targets import services
from audits.targets.demo import LINES
from audits.targets.models import TargetSet
from bench.context import signed_in_page
from bench.harness import Operation, operation

from .tickets import _ok


def _approved(kind, day):
    first, _last = services.period_days(kind, day)
    found = TargetSet.objects.approved().filter(period_kind=kind, period_start=first).first()
    if found is not None:
        return found
    draft = services.target_set_create(
        actor=None, period_kind=kind, period_start=first, lines=LINES
    )
    services.target_set_submit(target_set=draft, actor=None)
    return services.target_set_approve(target_set=draft, actor=None)


def _page(ctx, name, target_set):
    client = signed_in_page(ctx, "auditor")
    url = f"/targets/{target_set.pk}/progress/"
    return Operation(name=name, run=lambda i: _ok(client.get(url)), iterations=20)


@operation
def targets_progress_month(ctx):
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    return _page(ctx, "targets progress page, last month (HTML)", _approved("month", last_month))


@operation
def targets_progress_quarter(ctx):
    today = timezone.localdate()
    return _page(ctx, "targets progress page, this quarter (HTML)", _approved("quarter", today))
