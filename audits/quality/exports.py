"""The KPI report as a file: CSV or XLSX from one table (``kpi_export_table``), so both
formats always carry the same columns, rows and figures as the page.

Headers are in the reader's language (the active translation); figures stay numbers (an
empty cell where a share has no denominator). The CSV starts with a byte-order mark so
spreadsheet programs read the Chinese headers as UTF-8.
"""

import csv
import io

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

EXPORT_FORMATS = ("csv", "xlsx")
BOLD = Font(bold=True)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (row key, header): the figures of the KPI selector, counts after the shares they explain.
FIGURES = (
    ("opened", lambda: _("Opened")),
    ("closed", lambda: pgettext("KPI figure", "Closed")),
    ("complaints", lambda: _("Complaints")),
    ("response_sla_met_pct", lambda: _("Response SLA met (%)")),
    ("dispatch_sla_met_pct", lambda: _("Dispatch SLA met (%)")),
    ("first_time_fix_pct", lambda: _("First-time fix (%)")),
    ("avg_satisfaction", lambda: _("Average satisfaction")),
    ("record_completeness_pct", lambda: _("Complete records (%)")),
    ("response_decided", lambda: _("Response clocks decided")),
    ("response_met", lambda: _("Response clocks met")),
    ("dispatch_decided", lambda: _("Dispatch clocks decided")),
    ("dispatch_met", lambda: _("Dispatch clocks met")),
    ("first_time_fixes", lambda: _("First-time fixes")),
    ("satisfaction_answers", lambda: _("Satisfaction answers")),
    ("complete_records", lambda: _("Complete records (count)")),
)


def kpi_export_table(*, rows, totals, group_heading):
    """Header and lines of the export: one line per row (``(label, figures dict)`` in the
    page's order), then the totals."""
    header = [str(group_heading), *(heading() for _key, heading in FIGURES)]
    lines = [[str(label), *(figures[key] for key, _h in FIGURES)] for label, figures in rows]
    lines.append([_("Total"), *(totals[key] for key, _h in FIGURES)])
    return header, lines


def kpi_export_filename(*, group_by, first, last, fmt):
    return f"kpi-{group_by}-{first:%Y-%m-%d}-to-{last:%Y-%m-%d}.{fmt}"


def kpi_export_response(*, rows, totals, group_by, group_heading, first, last, fmt, about=()):
    """The report as a download in ``fmt`` (one of EXPORT_FORMATS). ``about`` holds
    (label, value) lines describing the report (period, grouping), kept on a second sheet
    of the workbook; the CSV is the table alone."""
    header, lines = kpi_export_table(rows=rows, totals=totals, group_heading=group_heading)
    if fmt == "xlsx":
        content, content_type = _xlsx(header, lines, about), XLSX_TYPE
    else:
        content, content_type = _csv(header, lines), "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    name = kpi_export_filename(group_by=group_by, first=first, last=last, fmt=fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _csv(header, lines):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([["" if value is None else value for value in line] for line in lines])
    return "\ufeff" + out.getvalue()


def _xlsx(header, lines, about):
    # Write-only: rows stream into the file (2,000 technicians × 16 columns stay cheap).
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("KPIs")[:31])
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 28
    for index in range(2, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 16
    sheet.append([_bold(sheet, value) for value in header])
    for line in lines[:-1]:
        sheet.append(line)
    sheet.append([_bold(sheet, value) for value in lines[-1]])
    if about:
        info = book.create_sheet(_("Report")[:31])
        info.column_dimensions["A"].width = 20
        info.column_dimensions["B"].width = 40
        for label, value in about:
            info.append([str(label), str(value)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _bold(sheet, value):
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = BOLD
    return cell
