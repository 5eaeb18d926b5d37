"""Reads of service targets: the sets a user may see, the live progress of a set from the
KPI report (``audits.quality.selectors.kpi_rows``), the frozen results, the public
commitments."""

from django.db.models import Count, Prefetch
from django.utils import timezone

from aftersales.dates import local_day_bounds
from aftersales.roles import Role, has_role
from audits.choices import KpiGrouping
from audits.quality.selectors import kpi_rows, kpi_totals
from technicians.outlets.models import Outlet
from tickets.models import Area, SlaPolicy

from .choices import Outcome, Scope, TargetSetStatus
from .metrics import outcome, progress_pct
from .models import TargetBreakdown, TargetLine, TargetResult, TargetSet

READERS = (Role.SUPERVISOR, Role.MANAGER, Role.AUDITOR)


def may_read(user):
    return has_role(user, *READERS)


def target_set_list(*, user=None):
    """The sets, newest period first, with their line count (one query)."""
    return TargetSet.objects.select_related("created_by", "decided_by").annotate(
        line_count=Count("lines")
    )


def target_set_detail(pk):
    """One set with its lines and break-downs (three queries)."""
    lines = TargetLine.objects.prefetch_related(
        Prefetch(
            "breakdowns",
            queryset=TargetBreakdown.objects.select_related("area", "outlet", "owner"),
        )
    )
    return (
        TargetSet.objects.select_related("created_by", "decided_by", "evaluation_audit")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .get(pk=pk)
    )


def current_sets(*, today=None):
    """The approved sets whose period contains ``today`` (month, quarter, year)."""
    today = today or timezone.localdate()
    return TargetSet.objects.approved().covering(today).order_by("period_end", "pk")


def _row(spec, comparator, target, kpi, *, ended, scope, area=None, outlet=None, owner_id=None):
    actual = spec.read(kpi) if kpi else None
    sample = kpi.get(spec.sample, 0) if kpi else 0
    if not sample:
        actual = None
    return {
        "scope": scope,
        "area": area,
        "outlet": outlet,
        "target": target,
        "actual": actual,
        "sample": sample,
        "outcome": outcome(actual, comparator, target, ended=ended),
        "bar": progress_pct(actual, comparator, target, spec.maximum),
        "owner_id": owner_id,
    }


def target_progress(*, target_set, today=None, now=None):
    """Each target of ``target_set`` overall and per area and outlet: the actual so far
    (the KPI report's figure over the set's period), the target (the break-down's value or
    the line's), the sample size, met / at risk / missed / no data and the bar's width.

    Areas and outlets shown: those with a break-down and those with tickets in the period.
    Constant queries whatever the number of lines: the set's lines and break-downs (2), the
    KPI report grouped by area (3) and by outlet (3), the areas and outlets named (2).
    Outlets are matched to the report by their stock location (the technicians' home).
    """
    today = today or timezone.localdate()
    ended = target_set.period_end < today
    start, end = local_day_bounds(target_set.period_start, target_set.period_end)
    lines = list(
        TargetLine.objects.filter(target_set=target_set)
        .prefetch_related("breakdowns")
        .order_by("pk")
    )
    by_area = kpi_rows(start=start, end=end, group_by=KpiGrouping.AREA, now=now)
    by_outlet = kpi_rows(start=start, end=end, group_by=KpiGrouping.OUTLET, now=now)
    totals = kpi_totals(by_area)
    area_kpis = {row["key"]: row for row in by_area if row["key"] is not None}
    location_kpis = {row["key"]: row for row in by_outlet if row["key"] is not None}
    parts = [part for line in lines for part in line.breakdowns.all()]
    area_ids = set(area_kpis) | {part.area_id for part in parts if part.area_id}
    areas = sorted(Area.objects.filter(pk__in=area_ids), key=lambda area: area.name)
    outlet_ids = {part.outlet_id for part in parts if part.outlet_id}
    outlets = sorted(
        Outlet.objects.filter(pk__in=outlet_ids)
        | Outlet.objects.filter(stock_location_id__in=list(location_kpis)),
        key=lambda outlet: outlet.name,
    )
    result = []
    for line in lines:
        spec, comparator = line.spec, line.comparator
        own = {(part.area_id, part.outlet_id): part for part in line.breakdowns.all()}
        rows = [_row(spec, comparator, line.value, totals, ended=ended, scope=Scope.OVERALL)]
        for area in areas:
            part = own.get((area.pk, None))
            rows.append(
                _row(
                    spec,
                    comparator,
                    part.value if part else line.value,
                    area_kpis.get(area.pk),
                    ended=ended,
                    scope=Scope.AREA,
                    area=area,
                    owner_id=part.owner_id if part else None,
                )
            )
        for outlet in outlets:
            part = own.get((None, outlet.pk))
            rows.append(
                _row(
                    spec,
                    comparator,
                    part.value if part else line.value,
                    location_kpis.get(outlet.stock_location_id),
                    ended=ended,
                    scope=Scope.OUTLET,
                    outlet=outlet,
                    owner_id=part.owner_id if part else None,
                )
            )
        result.append({"line": line, "metric": spec, "rows": rows})
    return {"target_set": target_set, "ended": ended, "today": today, "lines": result}


def progress_counts(progress):
    """How many targets are met, at risk, missed and without data (the page's tiles)."""
    counts = dict.fromkeys(Outcome.values, 0)
    for line in progress["lines"]:
        for row in line["rows"]:
            counts[row["outcome"]] += 1
    return counts


def target_results(*, target_set):
    """The frozen evaluation of a set (one query), findings linked."""
    return (
        TargetResult.objects.filter(target_set=target_set)
        .select_related("line", "area", "outlet", "finding")
        .order_by("line_id", "scope", "pk")
    )


def public_commitments(*, today=None):
    """What the public page promises: the overall lines of the approved sets in force
    today (the shortest period first, each metric once), and last month's overall results
    if that month's set was evaluated, and the default SLA policy (its hours are the
    promise). Three queries; nothing per area or outlet."""
    today = today or timezone.localdate()
    seen, promises = set(), []
    lines = (
        TargetLine.objects.filter(
            target_set__status=TargetSetStatus.APPROVED,
            target_set__period_start__lte=today,
            target_set__period_end__gte=today,
        )
        .select_related("target_set")
        .order_by("target_set__period_end", "pk")
    )
    for line in lines:
        if line.metric not in seen:
            seen.add(line.metric)
            promises.append(line)
    results = list(
        TargetResult.objects.filter(
            scope=Scope.OVERALL,
            target_set__status=TargetSetStatus.APPROVED,
            target_set__period_end__lt=today,
        )
        .exclude(outcome=Outcome.NO_DATA)
        .select_related("line", "target_set")
        .order_by("-target_set__period_end", "line_id")[:20]
    )
    if results:
        newest = results[0].target_set_id
        results = [result for result in results if result.target_set_id == newest]
    policy = SlaPolicy.objects.active().filter(is_default=True).order_by("pk").first()
    return {"promises": promises, "results": results, "policy": policy}
