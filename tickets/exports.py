"""The customer's data export as a readable PDF (the right of access, README "Personal data").

Built with fpdf2 (pure Python) from the same data as the JSON export
(``selectors.customer_data``). Customers' names and addresses are often Chinese, so the
text is set in a CJK-capable TrueType font found at ``settings.PII_EXPORT_FONT`` (Debian's
``fonts-wqy-zenhei`` by default, installed by ``.ci/run``); without it the export refuses
with a clear error rather than printing empty boxes.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from fpdf import FPDF

FONT = "cjk"


def export_font_path():
    """The configured CJK font, or ``ImproperlyConfigured`` naming what to install."""
    path = Path(settings.PII_EXPORT_FONT)
    if not path.is_file():
        raise ImproperlyConfigured(
            f"The customer export needs a CJK TrueType font at {path} (PII_EXPORT_FONT); "
            "install Debian's fonts-wqy-zenhei or fonts-noto-cjk, or point PII_EXPORT_FONT "
            "at another .ttf/.ttc."
        )
    return path


def _pdf():
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    path = export_font_path()
    if path.suffix.lower() == ".ttc":
        pdf.add_font(FONT, fname=str(path), collection_font_number=0)
    else:
        pdf.add_font(FONT, fname=str(path))
    pdf.add_page()
    return pdf


def _heading(pdf, text):
    pdf.set_font(FONT, size=13)
    pdf.ln(3)
    pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)


def _line(pdf, text):
    pdf.multi_cell(0, 5, str(text), new_x="LMARGIN", new_y="NEXT")


def _value(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else str(value)


def customer_export_pdf(data):
    """The PDF bytes of one customer's export (``data`` from ``customer_data``)."""
    pdf = _pdf()
    customer = data["customer"]
    pdf.set_font(FONT, size=16)
    pdf.multi_cell(
        0, 10, f"Personal data held about {customer['name']}", new_x="LMARGIN", new_y="NEXT"
    )
    _heading(pdf, "Customer")
    for name, value in customer.items():
        _line(pdf, f"{name}: {_value(value)}")
    _heading(pdf, f"Products ({len(data['products'])})")
    for product in data["products"]:
        _line(pdf, ", ".join(f"{k}: {_value(v)}" for k, v in product.items()))
    _heading(pdf, f"Tickets ({len(data['tickets'])})")
    for ticket in data["tickets"]:
        _line(pdf, f"{ticket['number']} ({ticket['status']}, {ticket['created_at']})")
        _line(pdf, f"    {ticket['category']} via {ticket['channel']}: {ticket['description']}")
        for event in ticket["events"]:
            _line(pdf, f"    - {event['created_at']} {event['kind']} {event['action']}")
    _heading(pdf, f"Messages sent ({len(data['messages'])})")
    for message in data["messages"]:
        _line(
            pdf,
            f"{message['created_at']} {message['kind']} by {message['channel']} to "
            f"{message['address']} ({message['status']}): {message['subject']}",
        )
    _heading(pdf, f"Audit trail ({len(data['audit_events'])})")
    for event in data["audit_events"]:
        _line(
            pdf,
            f"{event['created_at']} {event['action']} {event['object_type']}:"
            f"{event['object_id']} {_value(event['changes'])}",
        )
    return bytes(pdf.output())
