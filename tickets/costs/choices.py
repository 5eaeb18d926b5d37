"""Codes of the costs app: cost components, expense kinds, claim and step states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CostKind(models.TextChoices):
    """The kinds a budget is set for, and the components of a ticket's cost."""

    LABOUR = "labour", _("Labour")
    PARTS = "parts", _("Materials and parts")
    TRAVEL = "travel", _("Travel and expenses")
    OUTSOURCING = "outsourcing", _("Outsourcing")


class ExpenseKind(models.TextChoices):
    TRAVEL = "travel", _("Travel (fares, fuel)")
    TOLL = "toll", _("Tolls")
    PARKING = "parking", _("Parking")
    MEAL = "meal", _("Meals")
    LODGING = "lodging", _("Lodging")
    OTHER = "other", _("Other")


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class StepDecision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class CostGrouping(models.TextChoices):
    """What the cost report groups tickets by."""

    CATEGORY = "category", _("Service type")
    PRODUCT_CATEGORY = "product_category", _("Product category")
    AREA = "area", _("Area")
    PRODUCT_MODEL = "product_model", _("Product model")
    WARRANTY = "warranty_decision", _("Warranty decision")
    OUTLET = "outlet", _("Outlet")
