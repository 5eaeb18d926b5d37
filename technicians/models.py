"""Field technicians: who may be sent where, and on what papers (持证上岗)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.uploads import CERTIFICATE_DOCUMENT, validate_new_upload

from .choices import AbsenceKind, CertificationStatus

EXPIRING_WITHIN_DAYS = 30

weekdays_validator = RegexValidator(
    r"^1?2?3?4?5?6?7?$", _("ISO weekday digits in order, Monday = 1 … Sunday = 7, e.g. 12345.")
)


class TechnicianQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Technician(models.Model):
    """A field technician; signs in as ``user`` (group ``technician``).

    ``working_days`` holds the ISO weekdays they work (``12345`` = Monday to Friday, the
    default every day);
    absences and certificates are rows of their own.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="technician",
        verbose_name=_("user"),
    )
    full_name = models.CharField(max_length=200, verbose_name=_("full name"))
    employee_no = models.CharField(max_length=32, unique=True, verbose_name=_("employee number"))
    phone = models.CharField(max_length=32, verbose_name=_("phone"))
    areas = models.ManyToManyField(
        "tickets.Area", related_name="technicians", blank=True, verbose_name=_("service areas")
    )
    # The service outlet (网点) they work from and restock at.
    home_outlet = models.ForeignKey(
        "parts.StockLocation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="home_technicians",
        limit_choices_to={"kind": "outlet"},
        verbose_name=_("home outlet"),
    )
    # The organisation they work for: an own outlet or a partner's (technicians.outlets).
    # Partner technicians are certified and dispatched under the same rules as anyone.
    outlet = models.ForeignKey(
        "outlets.Outlet",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="technicians",
        verbose_name=_("outlet"),
    )
    max_jobs_per_day = models.PositiveSmallIntegerField(
        default=6, verbose_name=_("maximum jobs per day")
    )
    working_days = models.CharField(
        max_length=7,
        default="1234567",
        validators=[weekdays_validator],
        verbose_name=_("working days"),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = TechnicianQuerySet.as_manager()

    class Meta:
        ordering = ["employee_no"]
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")
        constraints = [
            models.CheckConstraint(
                condition=Q(working_days__regex=r"^1?2?3?4?5?6?7?$"),
                name="technician_working_days_iso",
            ),
            models.CheckConstraint(
                condition=Q(max_jobs_per_day__gte=1), name="technician_max_jobs_positive"
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.employee_no})"

    def works_on(self, day):
        return str(day.isoweekday()) in self.working_days


class CertificationType(models.Model):
    """A kind of certificate (electrician, refrigeration, a brand's qualification).

    ``categories`` are the product categories it qualifies its holder for; a new
    certificate of this type is valid for ``validity_months``.
    """

    code = models.SlugField(max_length=32, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    categories = models.ManyToManyField(
        "tickets.ProductCategory",
        related_name="certification_types",
        blank=True,
        verbose_name=_("categories"),
    )
    validity_months = models.PositiveSmallIntegerField(
        default=36,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        verbose_name=_("validity (months)"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("certification type")
        verbose_name_plural = _("certification types")

    def __str__(self):
        return self.name


class CertificationQuerySet(models.QuerySet):
    def valid_on(self, day):
        """Certificates that qualify on ``day``: issued, not yet expired, not revoked."""
        return self.filter(revoked_at__isnull=True, issued_on__lte=day, expires_on__gte=day)

    def for_category(self, category_id):
        return self.filter(type__categories=category_id)


class Certification(models.Model):
    """One certificate held by a technician.

    The dates are fixed once recorded: a renewal is a new certificate, so an expired
    one can never be made valid again by editing it. ``status`` is kept by the daily
    sweep (and on revocation); ``status_on(day)`` derives it from the dates for any day.
    ``notified_30_on`` / ``notified_7_on`` record the expiry reminders, each sent once.
    """

    technician = models.ForeignKey(
        Technician,
        on_delete=models.PROTECT,
        related_name="certifications",
        verbose_name=_("technician"),
    )
    type = models.ForeignKey(
        CertificationType,
        on_delete=models.PROTECT,
        related_name="certifications",
        verbose_name=_("certification type"),
    )
    number = models.CharField(max_length=64, verbose_name=_("certificate number"))
    issuer = models.CharField(max_length=200, blank=True, verbose_name=_("issuer"))
    issued_on = models.DateField(verbose_name=_("issued on"))
    expires_on = models.DateField(verbose_name=_("expires on"))
    document = models.FileField(
        upload_to="certificates/%Y/", blank=True, verbose_name=_("document")
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("verified at"))
    status = models.CharField(
        max_length=16,
        choices=CertificationStatus.choices,
        default=CertificationStatus.VALID,
        verbose_name=_("status"),
    )
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoke_reason = models.TextField(blank=True, verbose_name=_("revoke reason"))
    notified_30_on = models.DateField(
        null=True, blank=True, verbose_name=_("30-day reminder sent on")
    )
    notified_7_on = models.DateField(
        null=True, blank=True, verbose_name=_("7-day reminder sent on")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = CertificationQuerySet.as_manager()

    class Meta:
        ordering = ["technician", "-expires_on", "id"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("issued_on")),
                name="certification_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                name="certification_revocation_has_reason",
            ),
            models.UniqueConstraint(
                fields=["type", "number"], name="certification_unique_number_per_type"
            ),
        ]
        indexes = [
            # Dispatch asks "who holds a valid certificate on day D?" per technician.
            models.Index(fields=["technician", "expires_on"], name="certification_tech_expiry"),
            # The daily sweep walks the certificates that are not revoked, by expiry.
            models.Index(
                fields=["expires_on"],
                name="certification_live_expiry",
                condition=Q(revoked_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.type.code} {self.number}"

    def clean(self):
        # A new scan must be a PDF or an image of the allowed size (aftersales.uploads).
        try:
            validate_new_upload(self.document, kind=CERTIFICATE_DOCUMENT)
        except ValidationError as exc:
            raise ValidationError({"document": exc.messages}) from exc

    def status_on(self, day):
        return certification_status(
            issued_on=self.issued_on,
            expires_on=self.expires_on,
            revoked=self.revoked_at is not None,
            day=day,
        )


def certification_status(*, issued_on, expires_on, revoked, day):
    """The status on ``day``: revoked, expired, expiring (≤ 30 days left) or valid.

    A certificate not yet in force (issued in the future) reads as valid: it is a
    recorded paper, but ``valid_on`` does not let it qualify before its issue date.
    """
    if revoked:
        return CertificationStatus.REVOKED
    if day > expires_on:
        return CertificationStatus.EXPIRED
    if expires_on - day <= datetime.timedelta(days=EXPIRING_WITHIN_DAYS):
        return CertificationStatus.EXPIRING
    return CertificationStatus.VALID


class TrainingRecord(models.Model):
    """A course a technician completed: theory and practical hours, and the assessment."""

    technician = models.ForeignKey(
        Technician,
        on_delete=models.PROTECT,
        related_name="training_records",
        verbose_name=_("technician"),
    )
    course = models.CharField(max_length=200, verbose_name=_("course"))
    theory_hours = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0)],
        verbose_name=_("theory (hours)"),
    )
    practical_hours = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0)],
        verbose_name=_("practical (hours)"),
    )
    completed_on = models.DateField(verbose_name=_("completed on"))
    score = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        verbose_name=_("score"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["technician", "-completed_on", "id"]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        constraints = [
            models.CheckConstraint(
                condition=Q(theory_hours__gte=0, practical_hours__gte=0)
                & (Q(theory_hours__gt=0) | Q(practical_hours__gt=0)),
                name="training_has_hours",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="training_score_0_100",
            ),
        ]
        indexes = [
            models.Index(fields=["technician", "completed_on"], name="training_tech_completed")
        ]

    def __str__(self):
        return f"{self.course} ({self.completed_on})"


class AbsenceQuerySet(models.QuerySet):
    def on(self, day):
        return self.filter(starts_on__lte=day, ends_on__gte=day)


class Absence(models.Model):
    """Days a technician cannot be sent (leave, sick days, training away), inclusive."""

    technician = models.ForeignKey(
        Technician, on_delete=models.PROTECT, related_name="absences", verbose_name=_("technician")
    )
    kind = models.CharField(max_length=16, choices=AbsenceKind.choices, verbose_name=_("kind"))
    starts_on = models.DateField(verbose_name=_("starts on"))
    ends_on = models.DateField(verbose_name=_("ends on"))
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        ordering = ["technician", "-starts_on", "id"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["technician", "ends_on"], name="absence_tech_end")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.starts_on}–{self.ends_on}"
