"""Service outlets (网点): the organisations that carry out service in their areas.

An outlet is either one of the company's own or a partner's (合作伙伴: an external
company under contract). Each has its areas, a stock location for the parts it holds,
its technicians (``Technician.outlet``) and its dispatchers (users of the role
``outlet_dispatcher`` who assign the outlet's tickets to its technicians).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import OutletKind


class OutletQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def published(self):
        """The outlets customers may choose from (the public outlet list)."""
        return self.filter(active=True, published=True)

    def serving(self, area_id):
        return self.filter(areas=area_id)


class Outlet(models.Model):
    """A service outlet: own or a partner's, with its areas, address, contact and stock."""

    code = models.CharField(max_length=32, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    kind = models.CharField(
        max_length=16, choices=OutletKind.choices, default=OutletKind.OWN, verbose_name=_("kind")
    )
    # The contracted company behind a partner outlet (its legal name, for settlement).
    company_name = models.CharField(max_length=200, blank=True, verbose_name=_("company name"))
    contract_number = models.CharField(
        max_length=64, blank=True, verbose_name=_("partner contract number")
    )
    areas = models.ManyToManyField(
        "tickets.Area", related_name="outlets", blank=True, verbose_name=_("areas served")
    )
    address = models.CharField(max_length=300, blank=True, verbose_name=_("address"))
    contact_name = models.CharField(max_length=200, blank=True, verbose_name=_("contact name"))
    contact_phone = models.CharField(max_length=32, blank=True, verbose_name=_("contact phone"))
    contact_email = models.EmailField(blank=True, verbose_name=_("contact e-mail"))
    opening_hours = models.CharField(max_length=200, blank=True, verbose_name=_("opening hours"))
    stock_location = models.OneToOneField(
        "parts.StockLocation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outlet",
        limit_choices_to={"kind": "outlet"},
        verbose_name=_("stock location"),
    )
    dispatchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="dispatching_outlets",
        blank=True,
        verbose_name=_("dispatchers"),
    )
    published = models.BooleanField(
        default=True,
        verbose_name=_("published"),
        help_text=_("Shown to customers in the outlet list of its areas."),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = OutletQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("service outlet")
        verbose_name_plural = _("service outlets")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=OutletKind.OWN) | ~Q(company_name=""),
                name="outlet_partner_has_company",
                violation_error_message=_("A partner outlet needs its company's name."),
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_partner(self):
        return self.kind == OutletKind.PARTNER
