"""The equipment receipt (设备收条) as a printable page and a PDF: rendered on demand
from the stored receipt, in the customer's language, with WeasyPrint and the CJK fonts
(as ``tickets.charges.receipts``)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation


def receipt_filename(receipt):
    return f"equipment-receipt-{receipt.number}.pdf"


def receipt_context(receipt):
    return {"receipt": receipt, "ticket": receipt.ticket, "now": timezone.now()}


def receipt_html(receipt):
    language = receipt.ticket.customer.language or settings.LANGUAGE_CODE
    with translation.override(language):
        return render_to_string("depot/receipt_print.html", receipt_context(receipt))


def _weasyprint():
    """WeasyPrint, imported on first use and without its side effect on Pillow (see
    ``tickets.services.work_order.weasyprint``)."""
    import weasyprint as module
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return module


def receipt_pdf(receipt):
    wp = _weasyprint()
    # Only the signatures' data URLs are ever loaded: no file, no network.
    fetcher = wp.URLFetcher(allowed_protocols={"data"})
    return wp.HTML(string=receipt_html(receipt), url_fetcher=fetcher).write_pdf()
