"""A statement as a file: CSV, XLSX or PDF, in the reader's language (the active one).

All three carry the same columns from one table (``statement_export_table``): a line per
signed work order, then the totals; money as numbers with two places (the CSV and the
workbook keep them as numbers, never floats from the database). The CSV starts with a
byte-order mark so spreadsheet programs read Chinese headers as UTF-8. The PDF is
rendered by WeasyPrint from ``settlement/statement_pdf.html``, outside any transaction.
"""

import csv
import io

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from tickets.choices import TicketCategory
from tickets.services.work_order import weasyprint

from .selectors import statement_lines

EXPORT_FORMATS = ("csv", "xlsx", "pdf")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)

COLUMNS = (
    ("ticket_number", lambda: _("Ticket")),
    ("closed_at", lambda: _("Signed at")),
    ("completed_on", lambda: _("Completed on")),
    ("service_type", lambda: _("Service type")),
    ("product_category", lambda: _("Product category")),
    ("technician", lambda: _("Technician")),
    ("price_list", lambda: _("Price list")),
    ("travel_km", lambda: _("Distance (km)")),
    ("zone", lambda: _("Call-out zone")),
    ("labour_fee", lambda: _("Labour fee")),
    ("callout_fee", lambda: _("Call-out fee")),
    ("parts_quantity", lambda: _("Parts issued")),
    ("parts_value", lambda: _("Value of parts issued")),
    ("parts_reimbursed", lambda: _("Parts reimbursed")),
    ("amount", lambda: _("Amount payable")),
)
TOTALS = {
    "labour_fee": "labour_total",
    "callout_fee": "callout_total",
    "parts_quantity": "parts_quantity",
    "parts_value": "parts_value",
    "parts_reimbursed": "parts_reimbursed",
    "amount": "total",
}


def _cell(key, value):
    if value is None:
        return ""
    if key == "closed_at":
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if key == "completed_on":
        return value.isoformat()
    if key == "service_type":
        return str(TicketCategory(value).label) if value in TicketCategory.values else value
    return value


def statement_export_table(statement):
    """(header, lines, totals line): the lines streamed from the database."""
    keys = [key for key, _h in COLUMNS]
    header = [heading() for _k, heading in COLUMNS]
    rows = (
        [_cell(key, value) for key, value in zip(keys, values, strict=True)]
        for values in statement_lines(statement=statement).values_list(*keys).iterator(2000)
    )
    totals = [_("Total")] + [
        getattr(statement, TOTALS[key]) if key in TOTALS else "" for key in keys[1:]
    ]
    return header, rows, totals


def statement_about(statement):
    """(label, value) lines describing the statement, for the workbook and the PDF."""
    return [
        (_("Statement number"), statement.number or _("not yet numbered")),
        (_("Outlet"), f"{statement.outlet.code} {statement.outlet.name}"),
        (_("Company"), statement.outlet.company_name or "—"),
        (_("Month"), f"{statement.month:%Y-%m}"),
        (_("Status"), statement.get_status_display()),
        (_("Jobs"), statement.job_count),
        (_("Amount payable"), f"{statement.total} {statement.currency}"),
    ]


def statement_export_filename(statement, fmt):
    name = statement.number or f"draft-{statement.outlet.code}"
    return f"settlement-{name}-{statement.month:%Y-%m}.{fmt}"


def statement_csv(statement):
    header, rows, totals = statement_export_table(statement)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    writer.writerow(totals)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def statement_xlsx(statement):
    header, rows, totals = statement_export_table(statement)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Lines")[:31])
    sheet.freeze_panes = "B2"
    sheet.append([_bold(sheet, value) for value in header])
    for row in rows:
        sheet.append(row)
    sheet.append([_bold(sheet, value) for value in totals])
    info = book.create_sheet(_("Statement")[:31])
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 40
    for label, value in statement_about(statement):
        info.append([str(label), value if isinstance(value, int) else str(value)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def statement_pdf(statement):
    header, rows, totals = statement_export_table(statement)
    html = render_to_string(
        "settlement/statement_pdf.html",
        {
            "statement": statement,
            "about": statement_about(statement),
            "header": header,
            "rows": rows,
            "totals": totals,
            "now": timezone.now(),
        },
    )
    wp = weasyprint()
    # Nothing is fetched: no file, no network, whatever an outlet's name holds.
    fetcher = wp.URLFetcher(allowed_protocols=set())
    return wp.HTML(string=html, url_fetcher=fetcher).write_pdf()


def statement_export_response(statement, fmt):
    """The statement as a download in ``fmt`` (one of EXPORT_FORMATS)."""
    if fmt == "xlsx":
        content, content_type = statement_xlsx(statement), XLSX_TYPE
    elif fmt == "pdf":
        content, content_type = statement_pdf(statement), "application/pdf"
    else:
        content, content_type = statement_csv(statement), "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    name = statement_export_filename(statement, fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _bold(sheet, value):
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = BOLD
    return cell
