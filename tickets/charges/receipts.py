"""The receipt (收据) as a PDF: rendered on demand from its stored rows (which never
change), in the customer's language, with WeasyPrint and the CJK fonts."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .selectors import free_reason, line_title


def receipt_filename(receipt):
    return f"receipt-{receipt.number}.pdf"


def receipt_html(receipt):
    ticket = receipt.ticket
    language = ticket.customer.language or settings.LANGUAGE_CODE
    lines = list(receipt.lines.select_related("part").order_by("id"))
    for line in lines:
        line.title = line_title(line)
        line.reason = free_reason(line, ticket) if line.free else ""
    with translation.override(language):
        return render_to_string(
            "charges/receipt.html",
            {
                "receipt": receipt,
                "ticket": ticket,
                "lines": lines,
                "payment": receipt.payment,
                "now": timezone.now(),
            },
        )


def _weasyprint():
    """WeasyPrint, imported on first use and without its side effect on Pillow (see
    ``tickets.services.work_order.weasyprint``)."""
    import weasyprint as module
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return module


def receipt_pdf(receipt):
    wp = _weasyprint()
    fetcher = wp.URLFetcher(allowed_protocols={"data"})
    return wp.HTML(string=receipt_html(receipt), url_fetcher=fetcher).write_pdf()
