from django.db import models
from django.utils.translation import gettext_lazy as _


class PriceListStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class QuoteStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the customer")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    SUPERSEDED = "superseded", _("Superseded")


# A ticket's current quote is its one quote in one of these states (a new quote replaces it).
CURRENT_QUOTE_STATUSES = (QuoteStatus.PENDING, QuoteStatus.APPROVED, QuoteStatus.DECLINED)


class ChargeKind(models.TextChoices):
    LABOUR = "labour", _("Labour")
    CALLOUT = "callout", _("Call-out")
    PART = "part", _("Part")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class SequenceKind(models.TextChoices):
    QUOTE = "quote", _("Quote")
    RECEIPT = "receipt", _("Receipt")
