"""KPI reports (/reports/kpi/, 每周统计): a period and a grouping, the figures of the KPI API
(``audits.quality.selectors.kpi_report``, the very same call) as a table sorted on the
server, two charts, CSV and XLSX exports; the weekly reports kept by beat, each openable.

Figures are computed when the page is asked for (no cache): a month at a million tickets
takes a few hundred milliseconds (bench/ops/kpi_pages.py). The page only presents them:
labels for codes, a sort, the charts' first rows.
"""

import datetime

from django.http import QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from aftersales.charts import Chart, Series
from aftersales.roles import Role
from audits.choices import KpiGrouping
from tickets.views.common import role_required

from ..exports import EXPORT_FORMATS, kpi_export_response
from ..forms import KpiPreset, KpiReportForm
from ..selectors import kpi_group_names, kpi_report, kpi_stored_reports, kpi_weekly_report_list

KPI_READERS = (Role.SUPERVISOR, Role.AUDITOR)

# The table's figure columns: (row key, header, kind). The first column is the group.
COLUMNS = (
    ("opened", gettext_lazy("Opened"), "count"),
    ("closed", pgettext_lazy("KPI figure", "Closed"), "count"),
    ("complaints", gettext_lazy("Complaints"), "count"),
    ("response_sla_met_pct", gettext_lazy("Response SLA met"), "percent"),
    ("dispatch_sla_met_pct", gettext_lazy("Dispatch SLA met"), "percent"),
    ("first_time_fix_pct", gettext_lazy("First-time fix"), "percent"),
    ("avg_satisfaction", gettext_lazy("Average satisfaction"), "score"),
    ("record_completeness_pct", gettext_lazy("Complete records"), "percent"),
)
SORT_KEYS = ("label", *(key for key, _label, _kind in COLUMNS))
DEFAULT_SORT = "label"
# A chart of 2,000 technicians is a smear: the charts draw the table's first rows.
CHART_ROWS = 20

NO_GROUP = {
    KpiGrouping.TECHNICIAN: gettext_lazy("No technician"),
    KpiGrouping.AREA: gettext_lazy("No area"),
    KpiGrouping.CATEGORY: gettext_lazy("No category"),
    KpiGrouping.OUTLET: gettext_lazy("No outlet"),
}


@role_required(*KPI_READERS)
def kpi_report_page(request):
    """The report for the chosen period and grouping (``?export=csv|xlsx`` downloads it).
    A refused period answers 400 with its errors and the input kept.

    Whole pages, no htmx fragment: the charts' data travels in json_script tags, which htmx
    drops from swapped content (``allowScriptTags`` is off under our CSP)."""
    form = KpiReportForm(request.GET)
    context = {"form": form, "page_url": request.path}
    status = 200
    if form.valid():
        data = form.cleaned_data
        start, end = form.bounds()
        report = kpi_report(start=start, end=end, group_by=data["group_by"])
        query = QueryDict(mutable=True)
        query["period"], query["group_by"] = data["period"], data["group_by"]
        if data["period"] == KpiPreset.CUSTOM:
            query["first"], query["last"] = data["first"].isoformat(), data["last"].isoformat()
        fmt = request.GET.get("export")
        table = _table(request, report, data["group_by"], query, html=fmt not in EXPORT_FORMATS)
        if fmt in EXPORT_FORMATS:
            return _export(table, data["group_by"], data["first"], data["last"], fmt)
        context.update(table=table, first=data["first"], last=data["last"])
    else:
        status = 400
    context["weekly"] = [(report, *_days(report)) for report in kpi_weekly_report_list()]
    return render(request, "quality/kpi.html", context, status=status)


@role_required(*KPI_READERS)
def kpi_stored_report_page(request, pk):
    """A kept report (the weekly ones beat generates), shown and exported like a live one."""
    stored = get_object_or_404(kpi_stored_reports(), pk=pk)
    first, last = _days(stored)
    report = {"rows": stored.rows, "totals": stored.totals}
    fmt = request.GET.get("export")
    table = _table(
        request, report, stored.group_by, QueryDict(mutable=True), html=fmt not in EXPORT_FORMATS
    )
    if fmt in EXPORT_FORMATS:
        return _export(table, stored.group_by, first, last, fmt)
    context = {"stored": stored, "table": table, "first": first, "last": last}
    return render(request, "quality/kpi_stored.html", context)


def _days(stored):
    """A kept report's first and last local day (its end is midnight after the last)."""
    first = timezone.localtime(stored.period_start).date()
    return first, timezone.localtime(stored.period_end).date() - datetime.timedelta(days=1)


def _export(table, group_by, first, last, fmt):
    about = [
        (_("Period"), f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"),
        (_("Group by"), table["heading"]),
        (_("Generated at"), f"{timezone.localtime():%Y-%m-%d %H:%M}"),
    ]
    return kpi_export_response(
        rows=[(row["label"], row["figures"]) for row in table["rows"]],
        totals=table["totals"]["figures"],
        group_by=group_by,
        group_heading=table["heading"],
        first=first,
        last=last,
        fmt=fmt,
        about=about,
    )


def _table(request, report, group_by, query, html=True):
    """Everything the table, the tiles and the charts show, in the requested order (an
    export needs the rows alone: ``html=False`` skips their markup)."""
    group_by = KpiGrouping(group_by)
    key, descending = _parse_sort(request.GET.get("sort", ""))
    names = kpi_group_names(group_by, [row["key"] for row in report["rows"]])
    rows = [
        {"label": _group_label(group_by, row, names), "figures": row, "cells": _cells(row)}
        for row in report["rows"]
    ]
    rows = _sorted(rows, key, descending)
    totals = report["totals"]
    exports = []
    for fmt, label in (("csv", _("Export CSV")), ("xlsx", _("Export Excel (XLSX)"))):
        exports.append(
            {
                "format": fmt,
                "label": label,
                "url": _url(query, sort=_sort_value(key, descending), export=fmt),
            }
        )
    heading = KpiGrouping(group_by).label
    return {
        "heading": heading,
        "group_by": group_by,
        "headers": _headers(query, key, descending, heading),
        "rows": rows,
        "rows_html": _rows_html(rows) if html else "",
        "totals": {"figures": totals, "cells": _cells(totals)},
        "tiles": _tiles(totals),
        "charts": _charts(rows, heading, exports[0]["url"]),
        "exports": exports,
    }


# One body row: the group, then a cell per figure column.
ROW_HTML = '<tr><th scope="row">{}</th>' + '<td class="figure">{}</td>' * len(COLUMNS) + "</tr>"


def _rows_html(rows):
    """The table's body rows as one string: 2,000 technicians through the template
    engine's loops cost 200-500 ms on a loaded machine, format_html_join 80 ms, this 20 ms.
    The label (a name) is escaped; the cells are ``_format``'s digits, "%" and "–"."""
    html = "".join(ROW_HTML.format(escape(row["label"]), *row["cells"]) for row in rows)
    # Safe: every label went through escape() above; the cells hold no outside text.
    return mark_safe(html)  # nosec B308 B703


def _parse_sort(value):
    descending = value.startswith("-")
    key = value.removeprefix("-")
    if key not in SORT_KEYS:
        return DEFAULT_SORT, False
    return key, descending


def _sort_value(key, descending):
    return ("-" if descending else "") + key


def _sorted(rows, key, descending):
    """Rows by ``key``; rows without a figure (no denominator) and the "no technician" row
    of a label sort go last in either direction."""
    if key == "label":
        named = [row for row in rows if row["figures"]["key"] is not None]
        unnamed = [row for row in rows if row["figures"]["key"] is None]
        named.sort(key=lambda row: str(row["label"]).casefold(), reverse=descending)
        return named + unnamed
    present = [row for row in rows if row["figures"][key] is not None]
    missing = [row for row in rows if row["figures"][key] is None]
    present.sort(key=lambda row: row["figures"][key], reverse=descending)
    return present + missing


def _headers(query, current, descending, heading):
    headers = []
    for key, label in (("label", heading), *((k, lab) for k, lab, _kind in COLUMNS)):
        is_current = key == current
        # A figure's first click shows the highest first; the label's goes A to Z.
        next_descending = (not descending) if is_current else key != "label"
        headers.append(
            {
                "key": key,
                "label": label,
                "sort": ("descending" if descending else "ascending") if is_current else None,
                "next": "descending" if next_descending else "ascending",
                "url": _url(query, sort=_sort_value(key, next_descending)),
                "figure": key != "label",
            }
        )
    return headers


def _url(query, **params):
    merged = query.copy()
    for name, value in params.items():
        merged[name] = value
    return "?" + merged.urlencode()


def _group_label(group_by, row, names):
    if row["key"] is None:
        return NO_GROUP[group_by]
    return names.get(row["key"]) or row["label"] or str(row["key"])


def _format(value, kind):
    if value is None:
        return "–"
    if kind == "percent":
        return f"{value:.1f} %"
    if kind == "score":
        return f"{value:.2f}"
    return str(value)


def _cells(figures):
    return [_format(figures[key], kind) for key, _label, kind in COLUMNS]


def _tiles(totals):
    return [
        (_format(totals["opened"], "count"), _("Opened")),
        (_format(totals["closed"], "count"), pgettext("KPI figure", "Closed")),
        (_format(totals["response_sla_met_pct"], "percent"), _("Response SLA met")),
        (_format(totals["dispatch_sla_met_pct"], "percent"), _("Dispatch SLA met")),
        (_format(totals["first_time_fix_pct"], "percent"), _("First-time fix")),
        (_format(totals["avg_satisfaction"], "score"), _("Average satisfaction")),
    ]


def _charts(rows, heading, csv_url):
    shown = rows[:CHART_ROWS]
    labels = [str(row["label"]) for row in shown]
    caption = ""
    if len(rows) > CHART_ROWS:
        caption = _("The first %(count)s of %(total)s rows, in the table's order.") % {
            "count": CHART_ROWS,
            "total": len(rows),
        }

    def series(key, label, unit=""):
        return Series(label, [row["figures"][key] for row in shown], unit=unit)

    return [
        Chart(
            id="kpi-volume",
            title=_("Tickets opened and closed"),
            labels=labels,
            series=[
                series("opened", _("Opened")),
                series("closed", pgettext("KPI figure", "Closed")),
            ],
            caption=caption,
            label_heading=heading,
            csv_url=csv_url,
        ),
        Chart(
            id="kpi-shares",
            title=_("SLA met and first-time fix"),
            labels=labels,
            series=[
                series("response_sla_met_pct", _("Response SLA met"), "percent"),
                series("dispatch_sla_met_pct", _("Dispatch SLA met"), "percent"),
                series("first_time_fix_pct", _("First-time fix"), "percent"),
            ],
            caption=caption,
            label_heading=heading,
            csv_url=csv_url,
        ),
    ]
