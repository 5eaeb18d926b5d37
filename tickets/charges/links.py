"""The customer's signed link to a receipt's PDF (no account): bound to one receipt of
one ticket number, valid ``PUBLIC_LINK_MAX_AGE_DAYS``."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Receipt

SALT = "aftersales.charges.receipt"


class ReceiptLinkRefused(Exception):
    pass


def receipt_link_path(receipt):
    token = signing.dumps([receipt.pk, receipt.number], salt=SALT)
    return reverse("charges-public-receipt", args=[receipt.ticket.number, token])


def receipt_link_receipt(*, number, token):
    max_age = settings.PUBLIC_LINK_MAX_AGE_DAYS * 86400
    try:
        receipt_id, receipt_number = signing.loads(token, salt=SALT, max_age=max_age)
    except (signing.BadSignature, TypeError, ValueError):
        raise ReceiptLinkRefused from None
    receipt = (
        Receipt.objects.select_related("ticket__customer", "ticket__product__model", "payment")
        .filter(pk=receipt_id, number=receipt_number, ticket__number=number)
        .first()
    )
    if receipt is None or receipt.ticket.customer.erased_at is not None:
        raise ReceiptLinkRefused
    return receipt
