"""Files in and out: CSV streamed row by row, XLSX written row by row into a temporary
file, and uploaded CSV/XLSX read back as (row number, {column: text}) pairs.

Writing never holds the rows: CSV goes out in batches through ``StreamingHttpResponse``
as the queryset iterator yields them; XLSX goes through openpyxl's write-only workbook
(each row is serialised to the sheet's XML as it is appended) into a temporary file that
is then streamed and deleted. Reading streams too: ``csv.reader`` over a text wrapper of
the uploaded file, openpyxl's read-only workbook for XLSX.

Uploaded CSV may be UTF-8 (with or without the byte-order mark Excel writes) or GB18030,
the superset of GBK that Excel writes for "CSV" on a Chinese Windows: the encoding is
decided on the first ``SNIFF_BYTES`` and checked for the whole file while reading (a
file that is neither is refused with a clear message, never guessed).
"""

import csv
import datetime
import decimal
import io
import tempfile
import zipfile

from django.core.exceptions import ValidationError
from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
# Rows per write to the response: big enough that the socket sees few small writes,
# small enough that a batch is a few hundred kilobytes.
CSV_BATCH_ROWS = 1000
# An XLSX sheet holds 1,048,576 rows; the header takes one, the rest go to the next sheet.
XLSX_SHEET_ROWS = 1_048_575
SNIFF_BYTES = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc)


def _cell(value):
    """A value as a CSV cell: None empty, dates ISO 8601, everything else its text."""
    if value is None:
        return ""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _xlsx_cell(value):
    # Spreadsheets have no time zones: aware datetimes are written as their local ISO text.
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def csv_stream(header, rows):
    """The CSV text of ``header`` and ``rows`` (an iterator), in batches. Starts with the
    UTF-8 byte-order mark so Excel reads Chinese text as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_cell(value) for value in row])
        if count % CSV_BATCH_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def csv_response(header, rows, *, filename):
    response = StreamingHttpResponse(csv_stream(header, rows), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_file(header, rows, *, title):
    """A temporary file (open, at its start) holding the workbook of ``header`` and
    ``rows``; deleted when closed. A sheet per 1,048,575 rows."""
    book = Workbook(write_only=True)
    sheet, in_sheet, number = None, XLSX_SHEET_ROWS, 0
    for row in rows:
        if in_sheet == XLSX_SHEET_ROWS:
            number += 1
            sheet = book.create_sheet(title[:28] if number == 1 else f"{title[:24]} {number}")
            sheet.append(list(header))
            in_sheet = 0
        sheet.append([_xlsx_cell(value) for value in row])
        in_sheet += 1
    if sheet is None:
        book.create_sheet(title[:28]).append(list(header))
    # Closed by the FileResponse that streams it (deleted on close).
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    book.save(out)
    out.seek(0)
    return out


def xlsx_response(header, rows, *, filename, title):
    response = FileResponse(
        xlsx_file(header, rows, title=title), content_type=XLSX_TYPE, as_attachment=True
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Reading ----------------------------------------------------------------------------


def _refuse(message):
    raise ValidationError({"file": [message]})


def _text(value):
    """A spreadsheet cell as the text a person typed: whole numbers without ``.0`` (a
    phone number or a quantity), dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def normalise_header(value):
    return _text(value).lstrip("\ufeff").strip().lower().replace(" ", "_")


def _csv_encoding(head):
    """``utf-8-sig`` or ``gb18030`` for the first bytes of a CSV, else a refusal. A cut in
    the middle of a character at the end of the sample is not held against it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4 and len(head) == SNIFF_BYTES:
                return encoding
            continue
        return encoding
    _refuse(_("The file is neither UTF-8 nor GBK/GB18030 text: save it as CSV UTF-8 or XLSX."))


def _csv_rows(file, encoding):
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    try:
        yield from csv.reader(text)
    except UnicodeDecodeError:
        _refuse(
            _("The file is not valid %(encoding)s text throughout: save it as CSV UTF-8 or XLSX.")
            % {"encoding": "UTF-8" if encoding.startswith("utf") else "GBK/GB18030"}
        )
    except csv.Error as exc:
        _refuse(_("The file is not readable as CSV: %(error)s") % {"error": exc})
    finally:
        text.detach()


def _xlsx_rows(file):
    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        _refuse(_("The file is not a readable XLSX workbook."))
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_text(value) for value in values]
    finally:
        book.close()


def read_table(file):
    """``(header, rows)`` of an uploaded CSV or XLSX: the header normalised (trimmed,
    lower case, spaces as underscores), ``rows`` an iterator of ``(row number, values)``
    where the number is the spreadsheet's (the header is row 1) and wholly empty rows are
    skipped. The type is told by the content, never by the file name."""
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    if not head.strip():
        _refuse(_("The file is empty."))
    if head.startswith(OLE_MAGIC):
        _refuse(_("This is an old Excel (.xls) file: save it as XLSX or CSV and try again."))
    if head.startswith(ZIP_MAGIC):
        lines = _xlsx_rows(file)
    else:
        if b"\x00" in head:
            _refuse(_("The file is not a CSV or XLSX table."))
        lines = _csv_rows(file, _csv_encoding(head))
    numbered = enumerate(lines, start=1)
    for _number, first in numbered:
        if any(cell.strip() for cell in first):
            header = [normalise_header(cell) for cell in first]
            break
    else:
        _refuse(_("The file has no header row."))

    def rows():
        for number, values in numbered:
            cells = [value.strip() for value in values]
            if any(cells):
                yield number, cells

    return header, rows()
