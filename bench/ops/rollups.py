"""Reports from rollups (issue 19 §3): the KPI report over a week, a month, a quarter and
two years by technician and by area once the daily rollups are built, the refresh of one
dirty day (beat), the full rebuild, and ``audit_verify --incremental`` after 1,000 new
events. The first run builds the rollups (``rollups_rebuild``, timed as its own row)."""

import datetime
import time

from django.db import transaction
from django.utils import timezone

from audits.chain import audit_seal, audit_verify, verified_position
from audits.services import audit_record, audit_verification_record
from bench.harness import Operation, operation
from bench.ops.audits import _kpi_op
from tickets.models import Ticket
from tickets.rollups.models import KpiDailyRollup
from tickets.rollups.services import kpi_rollups_rebuild, kpi_rollups_refresh

PERIODS = (("7 days", 7), ("a month", 30), ("a quarter", 91), ("2 years", 730))
REBUILD = {}


def _first_day():
    oldest = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first()
    return timezone.localdate(oldest) if oldest else timezone.localdate()


def _rollups_ready():
    if not KpiDailyRollup.objects.exists():
        started = time.perf_counter()
        days = kpi_rollups_rebuild(first=_first_day(), last=timezone.localdate())
        REBUILD["seconds"], REBUILD["days"] = time.perf_counter() - started, days


def _kpi(ctx, label, days, group_by):
    """The KPI report operation of ``bench/ops/audits.py``, once the rollups are built."""
    _rollups_ready()
    op = _kpi_op(
        ctx,
        name=f"KPI report from rollups, {label}, by {group_by} (API)",
        days=days,
        group_by=group_by,
        iterations=20,
    )
    op.note = "floor: the live aggregate over the tickets"
    return op


def _register(label, days, group_by):
    def factory(ctx):
        return _kpi(ctx, label, days, group_by)

    factory.__name__ = f"kpi_rollups_{days}d_{group_by}"
    operation(factory)


for _label, _days in PERIODS:
    for _group_by in ("technician", "area"):
        _register(_label, _days, _group_by)


@operation
def kpi_rollups_refresh_one_dirty_day(ctx):
    _rollups_ready()
    kpi_rollups_refresh()  # the watermark
    ids = list(
        Ticket.objects.filter(
            created_at__gte=timezone.now() - datetime.timedelta(days=40),
            created_at__lt=timezone.now() - datetime.timedelta(days=39),
        ).values_list("id", flat=True)[:200]
    )

    def prepare(i):  # a ticket of 40 days ago written (an answer at the return visit)
        Ticket.objects.filter(pk=ids[i % len(ids)]).update(updated_at=timezone.now())

    return Operation(
        name="KPI rollups refresh, one dirty day + today + yesterday (beat task)",
        run=lambda i: kpi_rollups_refresh(),
        prepare=prepare,
        iterations=10,
        note="every KPI_ROLLUP_REFRESH_SECONDS (300 s)",
    )


@operation
def kpi_rollups_rebuild_month(ctx):
    _rollups_ready()
    last = timezone.localdate() - datetime.timedelta(days=1)
    first = last - datetime.timedelta(days=29)
    note = ""
    if REBUILD:
        note = f"full rebuild: {REBUILD['days']} days in {REBUILD['seconds']:.1f} s"
    return Operation(
        name="KPI rollups rebuild, 30 days (rollups_rebuild --from --to)",
        run=lambda i: kpi_rollups_rebuild(first=first, last=last),
        iterations=3,
        note=note,
    )


@operation
def audit_verify_incremental_1000(ctx):
    if verified_position() is None:
        audit_seal()
        audit_verification_record(report=audit_verify())  # the position (one full walk)
    batch = 0

    def prepare(i):
        nonlocal batch
        batch += 1
        with transaction.atomic():
            for n in range(1000):
                audit_record(actor=None, action="bench.event", object_type="bench",
                             object_id=f"{batch}-{n}", changes={"n": [n, n + 1]})  # fmt: skip
        while audit_seal():
            pass

    def run(i):
        report = audit_verify(incremental=True)
        assert report["ok"], report
        audit_verification_record(report=report)
        return report

    return Operation(
        name="audit_verify --incremental after 1,000 new events",
        run=run,
        prepare=prepare,
        iterations=5,
        note="the full walk reads every sealed event",
    )
