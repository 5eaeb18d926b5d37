"""The work record's catalogues, per product category: the fault codes a technician picks
from and the checklist they tick when completing a job. Kept by supervisors in the admin
(through ``tickets.services.reference``), each label in English and Simplified Chinese."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..choices import FaultClass
from .core import ProductCategory


def _in_language(english, chinese):
    """The label in the active language: Chinese for any zh-* language, else English;
    a missing translation falls back to the other one."""
    if (get_language() or "").lower().startswith("zh"):
        return chinese or english
    return english or chinese


class FaultCodeQuerySet(models.QuerySet):
    def for_category(self, category_id):
        """Active codes of ``category_id`` (all active codes when the unit is unknown)."""
        codes = self.filter(active=True)
        return codes.filter(category_id=category_id) if category_id else codes


class FaultCode(models.Model):
    """A fault the manufacturer's catalogue names (故障代码), e.g. ``E4`` "compressor
    relay" for air conditioners; choosing it sets the ticket's fault class."""

    category = models.ForeignKey(
        ProductCategory,
        on_delete=models.PROTECT,
        related_name="fault_codes",
        db_index=False,  # served by faultcode_category_code
        verbose_name=_("product category"),
    )
    code = models.CharField(max_length=32, verbose_name=_("code"))
    description_en = models.CharField(max_length=200, verbose_name=_("description (English)"))
    description_zh = models.CharField(
        max_length=200, blank=True, verbose_name=_("description (Chinese)")
    )
    fault_class = models.CharField(
        max_length=16, choices=FaultClass.choices, verbose_name=_("fault class")
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))

    objects = FaultCodeQuerySet.as_manager()

    class Meta:
        ordering = ["category_id", "code"]
        verbose_name = _("fault code")
        verbose_name_plural = _("fault codes")
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="faultcode_category_code")
        ]

    def __str__(self):
        return f"{self.code} {self.description}"

    @property
    def description(self):
        return _in_language(self.description_en, self.description_zh)


class ChecklistItem(models.Model):
    """One check of the completion form for a product category, e.g. "tested in front
    of the customer", "area cleaned"; ``required`` ones must be ticked to complete."""

    category = models.ForeignKey(
        ProductCategory,
        on_delete=models.PROTECT,
        related_name="checklist_items",
        verbose_name=_("product category"),
    )
    label_en = models.CharField(max_length=200, verbose_name=_("label (English)"))
    label_zh = models.CharField(max_length=200, blank=True, verbose_name=_("label (Chinese)"))
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))
    required = models.BooleanField(default=False, verbose_name=_("required"))
    active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        ordering = ["category_id", "position", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self):
        return self.label

    @property
    def label(self):
        return _in_language(self.label_en, self.label_zh)
