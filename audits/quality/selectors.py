"""Reads of quality audits and KPI reports: they read tickets, technicians and parts."""

import operator
from datetime import timedelta
from functools import reduce

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Func, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from aftersales.replica import replica_reads
from aftersales.roles import Role, has_role
from audits.choices import (
    CHECKLIST_ITEMS,
    CorrectiveActionStatus,
    FindingStatus,
    KpiGrouping,
    Severity,
)
from audits.models import AuditSample, CorrectiveAction, Finding, KpiReport, QualityAudit
from parts.models import StockLocation
from technicians.models import Technician
from tickets.choices import TicketCategory
from tickets.models import Area
from tickets.rollups.selectors import kpi_figures

# The KPIs' definitions live with the ticket reads, so the outlets' scorecards
# (technicians.outlets, a lower floor) count exactly as this report does.
from tickets.selectors import (
    kpi_pct as _pct,
)
from tickets.selectors import (
    kpi_row as _kpi_row,
)

FIRST_TIME_FIX_WINDOW = timedelta(days=30)


KPI_GROUP_FIELDS = {
    KpiGrouping.TECHNICIAN: "technician_id",
    KpiGrouping.AREA: "area_id",
    KpiGrouping.CATEGORY: "category",
    # The outlet of the ticket's technician (tickets carry no outlet of their own).
    KpiGrouping.OUTLET: "technician__home_outlet_id",
}


KPI_COLUMNS = (
    "key",
    "label",
    "opened",
    "closed",
    "complaints",
    "response_sla_met_pct",
    "dispatch_sla_met_pct",
    "first_time_fix_pct",
    "avg_satisfaction",
    "record_completeness_pct",
    "response_decided",
    "response_met",
    "dispatch_decided",
    "dispatch_met",
    "first_time_fixes",
    "satisfaction_answers",
    "complete_records",
)


def quality_audit_list(*, user):
    return QualityAudit.objects.select_related("created_by")


def audit_sample_list(*, user):
    return AuditSample.objects.select_related("audit", "ticket", "confirmed_by")


def finding_list(*, user):
    return Finding.objects.select_related("audit", "created_by")


def corrective_action_list(*, user):
    """Auditors and supervisors see every action; anyone else only the ones they own."""
    actions = CorrectiveAction.objects.select_related("finding", "owner", "verified_by")
    if has_role(user, Role.AUDITOR, Role.SUPERVISOR):
        return actions
    return actions.filter(owner=user)


# --- The auditors' pages (issue 14): bounded reads, a fixed number of queries each -------

AUDIT_LIST_LIMIT = 50
ACTION_LIST_LIMIT = 50


def _count(queryset):
    """A correlated ``count(*)`` subquery of ``queryset`` (filtered on ``OuterRef``): a
    plain function, not an aggregate, so Django adds no GROUP BY."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted[:1]), 0)


def quality_audit_page_list(*, user, today, limit=AUDIT_LIST_LIMIT):
    """The newest ``limit`` audits with their progress: sampled, confirmed, open findings
    and overdue actions, each a correlated count (one query, index on the foreign keys)."""
    samples = AuditSample.objects.filter(audit=OuterRef("pk"))
    return list(
        quality_audit_list(user=user).annotate(
            sampled=_count(samples),
            confirmed=_count(samples.filter(confirmed_at__isnull=False)),
            open_findings=_count(
                Finding.objects.filter(audit=OuterRef("pk"), status=FindingStatus.OPEN)
            ),
            overdue_actions=_count(
                CorrectiveAction.objects.overdue(today).filter(finding__audit=OuterRef("pk"))
            ),
        )[:limit]
    )


def corrective_actions_for_page(*, user, owner=None, overdue_on=None, limit=ACTION_LIST_LIMIT):
    """Unverified corrective actions ``user`` may see, soonest due first: those of ``owner``,
    or those overdue on ``overdue_on``; with their finding and audit (one query)."""
    actions = corrective_action_list(user=user).select_related("finding__audit")
    if overdue_on is not None:
        actions = actions.overdue(overdue_on)
    else:
        actions = actions.exclude(status=CorrectiveActionStatus.VERIFIED)
    if owner is not None:
        actions = actions.filter(owner=owner)
    return list(actions.order_by("due_on", "id")[:limit])


def audit_samples_page(*, audit):
    """The sampled tickets of ``audit`` with their ticket number, technician and confirmer
    (only the columns the page shows: a ticket row carries its signature image)."""
    return (
        AuditSample.objects.filter(audit=audit)
        .select_related("ticket", "technician", "confirmed_by")
        .only(
            "id", "audit_id", "prefilled", "checks", "confirmed_at", "ticket__number",
            "technician__full_name", "confirmed_by__username", "confirmed_by__first_name",
            "confirmed_by__last_name",
        )
        .order_by("id")
    )  # fmt: skip


def audit_findings_page(*, audit):
    """The findings of ``audit`` with their sample's ticket and technician and their
    actions with owners (two queries)."""
    return list(
        Finding.objects.filter(audit=audit)
        .select_related("sample__ticket", "sample__technician", "created_by")
        .prefetch_related(
            Prefetch(
                "actions",
                queryset=CorrectiveAction.objects.select_related("owner", "verified_by").order_by(
                    "due_on", "id"
                ),
            )
        )
        .order_by("-created_at", "-id")
    )


def audit_sample_neighbours(*, sample):
    """The ids of the samples before and after ``sample`` in its audit (or None)."""
    siblings = AuditSample.objects.filter(audit_id=sample.audit_id)
    before = siblings.filter(pk__lt=sample.pk).order_by("-pk").values_list("pk", flat=True)
    after = siblings.filter(pk__gt=sample.pk).order_by("pk").values_list("pk", flat=True)
    return before.first(), after.first()


def corrective_action_owner_choices():
    """Who may own a corrective action on the pages: active auditors and supervisors (the
    roles that reach these pages), by name."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.AUDITOR, Role.SUPERVISOR])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    return [(user.pk, user.get_full_name() or user.get_username()) for user in users]


def _item_failed(item):
    """The sample's effective answer to ``item`` is "no": what the auditor confirmed, else
    what the record says."""
    return Q(confirmed_at__isnull=False, **{f"checks__{item}": False}) | Q(
        confirmed_at__isnull=True, **{f"prefilled__{item}": False}
    )


def quality_audit_report(*, audit):
    """The figures of an audit's report: samples confirmed and conforming, the checklist
    items found wrong, findings by severity and by technician (two queries whatever the
    number of samples: one aggregate over the audit's checklists, one over its findings)."""
    failed_any = reduce(operator.or_, (_item_failed(item) for item in CHECKLIST_ITEMS))
    figures = AuditSample.objects.filter(audit=audit).aggregate(
        sampled=Count("id"),
        confirmed=Count("id", filter=Q(confirmed_at__isnull=False)),
        failed=Count("id", filter=failed_any),
        **{f"item_{item}": Count("id", filter=_item_failed(item)) for item in CHECKLIST_ITEMS},
    )
    sampled, confirmed = figures["sampled"], figures["confirmed"]
    conforming = sampled - figures["failed"]
    failed_items = {item: figures[f"item_{item}"] for item in CHECKLIST_ITEMS}
    by_severity = dict.fromkeys(Severity.values, 0)
    by_technician = {}
    grouped = (
        Finding.objects.filter(audit=audit)
        .values("sample__technician_id", "sample__technician__full_name", "severity")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in grouped:
        by_severity[row["severity"]] += row["n"]
        key = row["sample__technician_id"]
        entry = by_technician.setdefault(
            key, {"name": row["sample__technician__full_name"], **dict.fromkeys(Severity.values, 0)}
        )
        entry[row["severity"]] += row["n"]
    technicians = sorted(by_technician.values(), key=lambda e: (e["name"] is None, e["name"] or ""))
    for entry in technicians:
        entry["cells"] = [entry[severity] for severity in Severity.values]
        entry["total"] = sum(entry["cells"])
    return {
        "sampled": sampled,
        "confirmed": confirmed,
        "conforming": conforming,
        "conforming_pct": _pct(conforming, sampled),
        "failed_items": failed_items,
        "by_severity": by_severity,
        "by_technician": technicians,
        "findings": sum(by_severity.values()),
    }


@replica_reads
def kpi_rows(*, start, end, group_by, now=None):
    """KPI figures for [start, end), one row per technician, area, category or outlet (the
    technician's home outlet).

    Tickets *opened* in the period give: opened, complaints, response- and dispatch-SLA
    met % (``tickets.selectors.sla_clock_qs``: of the decided clocks, the share met).
    Tickets *closed* in the period give: closed, first-time-fix % (no rejected
    confirmation sending it back, and no ticket for the same product within 30 days of
    the job's completion: ``tickets.selectors.first_time_fix_marks``), average
    satisfaction (follow-up answer, else the one given at confirmation), record
    completeness % (fault code, signature and a satisfaction answer present). Tickets
    without a technician, area or outlet form their own row (key None). Three queries whatever
    the period (``tickets.rollups.selectors.kpi_figures``): the daily rollups of the whole
    past days, one grouped aggregate of the tickets over the rest (today, partial days,
    days not rolled up; the created_at and closed_at indexes), and one for the labels.
    """

    figures = kpi_figures(start=start, end=end, group_by=KpiGrouping(group_by), now=now)
    rows = {}
    for key, counts in figures.items():
        answers = counts["satisfaction_answers"]
        rows[key] = {
            **counts,
            "avg_satisfaction": counts["satisfaction_sum"] / answers if answers else None,
        }
    labels = _kpi_labels(group_by, [k for k in rows if k is not None])
    result = [_kpi_row(k, labels.get(k), figures) for k, figures in rows.items()]
    result.sort(key=lambda row: (row["key"] is None, str(row["label"] or "")))
    return result


def kpi_totals(rows):
    """The report's totals row, from the counts (not an average of percentages)."""
    total = dict.fromkeys(KPI_COLUMNS[2:], 0)
    weighted_satisfaction = 0.0
    for row in rows:
        for column in ("opened", "closed", "complaints", *KPI_COLUMNS[10:]):
            total[column] += row[column]
        weighted_satisfaction += (row["avg_satisfaction"] or 0) * row["satisfaction_answers"]
    return _kpi_row(
        None,
        "total",
        {
            **total,
            "avg_satisfaction": (
                weighted_satisfaction / total["satisfaction_answers"]
                if total["satisfaction_answers"]
                else None
            ),
        },
    )


def _kpi_labels(group_by, keys):

    if group_by == KpiGrouping.TECHNICIAN:
        return dict(Technician.objects.filter(pk__in=keys).values_list("pk", "full_name"))
    if group_by == KpiGrouping.AREA:
        return dict(Area.objects.filter(pk__in=keys).values_list("pk", "code"))
    if group_by == KpiGrouping.OUTLET:
        return dict(StockLocation.objects.filter(pk__in=keys).values_list("pk", "code"))
    return {key: key for key in keys if key in TicketCategory.values}


@replica_reads
def kpi_report(*, start, end, group_by, now=None):
    """The report as the API and the weekly job give it: period, rows and totals."""
    rows = kpi_rows(start=start, end=end, group_by=group_by, now=now)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "group_by": str(group_by),
        "rows": rows,
        "totals": kpi_totals(rows),
    }


def kpi_weekly_report_list(*, limit=36):
    """The newest kept weekly reports (beat, Mondays; one per grouping), without their
    rows: the list shows the period, grouping and when each was generated."""
    return KpiReport.objects.filter(weekly=True).only(
        "pk", "period_start", "period_end", "group_by", "weekly", "generated_at"
    )[:limit]


def kpi_stored_reports():
    """The kept reports with their rows (weekly ones and any generated on request)."""
    return KpiReport.objects.all()


def kpi_group_names(group_by, keys):
    """What the pages show for a row's key: the area's or outlet's name (the API's label is
    their code), the category's label; technicians keep their name. One query at most."""
    keys = [key for key in keys if key is not None]
    if group_by == KpiGrouping.AREA:
        return dict(Area.objects.filter(pk__in=keys).values_list("pk", "name"))
    if group_by == KpiGrouping.OUTLET:
        return dict(StockLocation.objects.filter(pk__in=keys).values_list("pk", "name"))
    if group_by == KpiGrouping.CATEGORY:
        return {key: TicketCategory(key).label for key in keys if key in TicketCategory.values}
    return {}
