from django.db import models
from django.utils.translation import gettext_lazy as _


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


# Statuses in which the statement may be rebuilt from the month's work orders.
REBUILDABLE = (StatementStatus.DRAFT, StatementStatus.RETURNED)
# Statuses an outlet's dispatcher sees (a draft is the centre's work in progress).
SHOWN_TO_OUTLET = (StatementStatus.SUBMITTED, StatementStatus.APPROVED, StatementStatus.RETURNED)


class PartSource(models.TextChoices):
    OUTLET = "outlet", _("Outlet's own stock")
    COMPANY = "company", _("Company stock")
