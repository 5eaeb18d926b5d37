"""Field technicians: who may be sent where."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TechnicianQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Technician(models.Model):
    """A certified field technician; signs in as ``user`` (group ``technician``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="technician"
    )
    full_name = models.CharField(max_length=200)
    employee_no = models.CharField(max_length=32, unique=True)
    phone = models.CharField(max_length=32)
    areas = models.ManyToManyField("tickets.Area", related_name="technicians", blank=True)
    max_jobs_per_day = models.PositiveSmallIntegerField(default=6)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TechnicianQuerySet.as_manager()

    class Meta:
        ordering = ["employee_no"]
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")

    def __str__(self):
        return f"{self.full_name} ({self.employee_no})"
