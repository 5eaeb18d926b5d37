"""The audit trail (append-only, hash-chained) and the quality audits built on it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.uploads import EVIDENCE, validate_new_upload

from .choices import (
    AuditSource,
    CheckpointKind,
    CorrectiveActionStatus,
    FindingStatus,
    KpiGroupBy,
    QualityAuditStatus,
    SealFlag,
    Severity,
)


class AuditEventQuerySet(models.QuerySet):
    def for_object(self, object_type, object_id):
        return self.filter(object_type=object_type, object_id=str(object_id))

    def update(self, **kwargs):
        raise TypeError("Audit events are append-only.")

    def delete(self):
        raise TypeError("Audit events are append-only.")


class AuditEvent(models.Model):
    """Who did what to which record, when, from where, with the values before and after.

    Written only through ``audits.services.audit_record``/``audit_records`` in the same
    transaction as the change it describes. Rows are never updated or deleted: the model
    and queryset refuse, and a database trigger refuses UPDATE/DELETE (migration 0003),
    except the one-time setting of the three seal columns by ``audit_seal``, which chains
    each row's ``hash`` to the previous sealed row (``seal_seq`` order) and notes in
    ``seal_flag`` a row whose ``row_mac`` (an HMAC the writer computes with the audit key,
    ``audits.anchor.event_mac``) does not match its content. ``ticket`` links events about
    other objects to the ticket they concern. Codes and raw values only.
    """

    created_at = models.DateTimeField(
        default=timezone.now, db_index=False, verbose_name=_("created at")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(max_length=64, verbose_name=_("action"))
    object_type = models.CharField(max_length=64, verbose_name=_("object type"))
    object_id = models.CharField(max_length=64, verbose_name=_("object ID"))
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ticket"),
    )
    changes = models.JSONField(default=dict, blank=True, verbose_name=_("changes"))
    source = models.CharField(
        max_length=16,
        choices=AuditSource.choices,
        default=AuditSource.SYSTEM,
        verbose_name=_("source"),
    )
    request_id = models.CharField(max_length=64, blank=True, verbose_name=_("request ID"))
    ip_address = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("IP address"))
    # Set once by the sealer (audits.chain), never by the writers: see the README.
    seal_seq = models.BigIntegerField(
        null=True, blank=True, unique=True, editable=False, verbose_name=_("seal sequence")
    )
    prev_hash = models.CharField(
        max_length=64,
        blank=True,
        default="",
        db_default="",
        editable=False,
        verbose_name=_("previous hash"),
    )
    hash = models.CharField(
        max_length=64, blank=True, default="", db_default="", editable=False, verbose_name=_("hash")
    )
    seal_flag = models.CharField(
        max_length=16,
        choices=SealFlag.choices,
        blank=True,
        default="",
        db_default="",
        editable=False,
        verbose_name=_("seal flag"),
    )
    # Set by the writer (audits.services), checked by the sealer: see audits.anchor.
    row_mac = models.CharField(
        max_length=64,
        blank=True,
        default="",
        db_default="",
        editable=False,
        verbose_name=_("row MAC"),
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(
                fields=["object_type", "object_id", "created_at"], name="audit_object_time"
            ),
            models.Index(fields=["action", "created_at"], name="audit_action_time"),
            models.Index(fields=["created_at"], name="audit_time"),
            models.Index(fields=["actor", "created_at"], name="audit_actor_time"),
            # The audit-trail page's filters by object type alone and by source, newest first.
            models.Index(fields=["object_type", "created_at"], name="audit_type_time"),
            models.Index(fields=["source", "created_at"], name="audit_source_time"),
            # The sealer's work queue: only rows still waiting for their hash.
            models.Index(fields=["id"], name="audit_unsealed", condition=Q(seal_seq__isnull=True)),
        ]

    def __str__(self):
        return f"{self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only.")


class AuditCheckpointQuerySet(models.QuerySet):
    def latest_first(self):
        return self.order_by("-id")

    def update(self, **kwargs):
        raise TypeError("Audit checkpoints are append-only.")

    def delete(self):
        raise TypeError("Audit checkpoints are append-only.")


class AuditCheckpoint(models.Model):
    """The chain's head as it was after one seal: the anchor outside the audit table.

    Written by ``audits.chain.audit_seal`` in the transaction of each sealed batch (and by
    an operator's ``audit_verify --reanchor``), signed with an HMAC of the audit key
    (``audits.anchor``), and repeated in the log and ``AUDIT_CHECKPOINT_FILE`` after
    commit. ``event_count`` is how many events that seal added. Append-only: a trigger
    refuses UPDATE/DELETE, and on PostgreSQL the table belongs to the role
    ``aftersales_audit_anchor``, the application's role holding only SELECT and INSERT
    (migration 0006). The latest checkpoint must be the chain's head: ``audit_verify``
    reports a head behind it (a truncated tail), ahead of it, or a different hash.
    """

    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    seal_seq = models.BigIntegerField(verbose_name=_("seal sequence"))
    hash = models.CharField(max_length=64, verbose_name=_("hash"))
    event_count = models.BigIntegerField(verbose_name=_("event count"))
    kind = models.CharField(max_length=16, choices=CheckpointKind.choices, verbose_name=_("kind"))
    signature = models.CharField(max_length=64, verbose_name=_("signature"))

    objects = AuditCheckpointQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self):
        return f"checkpoint seq={self.seal_seq} {self.hash[:12]}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit checkpoints are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit checkpoints are append-only.")


class PersonalDataKey(models.Model):
    """One data subject's key for their personal values in the trail (``audits.personal``).

    ``wrapped_key`` is the subject's Fernet key encrypted with the master key
    (``PII_MASTER_KEY``). Erasure deletes the row: the values it encrypted in audit events
    become unreadable while the events and their hashes stay untouched (crypto-shredding).
    """

    subject_type = models.CharField(max_length=64, verbose_name=_("subject type"))
    subject_id = models.CharField(max_length=64, verbose_name=_("subject ID"))
    wrapped_key = models.TextField(verbose_name=_("wrapped key"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("personal data key")
        verbose_name_plural = _("personal data keys")
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id"], name="personal_data_key_one_per_subject"
            )
        ]

    def __str__(self):
        return f"{self.subject_type}:{self.subject_id}"


class QualityAudit(models.Model):
    """A sampling check (抽查) of the tickets closed in a period, created by a supervisor.

    The sample is drawn once, at creation, from ``seed``: per technician,
    ``sample_percent`` % of their closed tickets, at least ``sample_min`` (or all of them
    when they closed fewer). The same seed over the same data draws the same sample.
    """

    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"), help_text=_("Inclusive."))
    sample_percent = models.PositiveSmallIntegerField(_("sample %"), default=10)
    sample_min = models.PositiveSmallIntegerField(_("minimum per technician"), default=1)
    seed = models.BigIntegerField(_("seed"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=QualityAuditStatus.choices,
        default=QualityAuditStatus.OPEN,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))

    class Meta:
        verbose_name = _("quality audit")
        verbose_name_plural = _("quality audits")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="quality_audit_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(sample_percent__gte=1, sample_percent__lte=100),
                name="quality_audit_percent_1_100",
            ),
        ]

    def __str__(self):
        return self.title


class AuditSample(models.Model):
    """One sampled ticket of a quality audit and its checklist.

    ``prefilled`` holds what the data says for each checklist item (True/False/None);
    ``checks`` what the auditor confirmed (``confirmed_at`` set when they did).
    """

    audit = models.ForeignKey(
        QualityAudit, on_delete=models.PROTECT, related_name="samples", verbose_name=_("audit")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="+", verbose_name=_("ticket")
    )
    technician = models.ForeignKey(
        "technicians.Technician",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("technician"),
    )
    prefilled = models.JSONField(default=dict, verbose_name=_("prefilled"))
    checks = models.JSONField(default=dict, blank=True, verbose_name=_("checks"))
    note = models.TextField(blank=True, verbose_name=_("note"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("confirmed at"))

    class Meta:
        verbose_name = _("audit sample")
        verbose_name_plural = _("audit samples")
        ordering = ["audit", "id"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "ticket"], name="audit_sample_unique_ticket")
        ]

    def __str__(self):
        return f"{self.audit_id}:{self.ticket_id}"

    @property
    def conforming(self):
        values = (self.checks if self.confirmed_at else self.prefilled).values()
        return all(value is not False for value in values)


class Finding(models.Model):
    """A nonconformity (不符合) found by an audit, with its severity."""

    audit = models.ForeignKey(
        QualityAudit, on_delete=models.PROTECT, related_name="findings", verbose_name=_("audit")
    )
    sample = models.ForeignKey(
        AuditSample,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("sample"),
    )
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=16, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_severity_display()}: {self.description[:60]}"


class CorrectiveActionQuerySet(models.QuerySet):
    def overdue(self, today):
        return self.exclude(status=CorrectiveActionStatus.VERIFIED).filter(due_on__lt=today)


class CorrectiveAction(models.Model):
    """What the owner does about a finding, by a due date, with evidence.

    Verified by someone other than the owner (``corrective_action_verify``); once every
    action of a finding is verified the finding closes. Overdue actions escalate one level
    per sweep day they stay overdue (``escalation_level``, notified by Celery).
    """

    finding = models.ForeignKey(
        Finding, on_delete=models.PROTECT, related_name="actions", verbose_name=_("finding")
    )
    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CorrectiveActionStatus.choices,
        default=CorrectiveActionStatus.OPEN,
    )
    evidence = models.FileField(_("evidence"), upload_to="evidence/%Y/%m/", blank=True)
    evidence_note = models.TextField(blank=True, verbose_name=_("evidence note"))
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("verified at"))
    verification_note = models.TextField(blank=True, verbose_name=_("verification note"))
    escalation_level = models.PositiveSmallIntegerField(
        default=0, verbose_name=_("escalation level")
    )
    escalated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("escalated at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    objects = CorrectiveActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="corrective_status_due")]

    def __str__(self):
        return self.description[:60]

    def clean(self):
        # New evidence must be a PDF or an image of the allowed size (aftersales.uploads).
        try:
            validate_new_upload(self.evidence, kind=EVIDENCE)
        except ValidationError as exc:
            raise ValidationError({"evidence": exc.messages}) from exc


class KpiReport(models.Model):
    """A stored KPI report: the rows of ``audits.selectors.kpi_rows`` for one period."""

    period_start = models.DateTimeField(verbose_name=_("period start"))
    period_end = models.DateTimeField(verbose_name=_("period end"))
    group_by = models.CharField(
        max_length=16, choices=KpiGroupBy.choices, verbose_name=_("group by")
    )
    rows = models.JSONField(default=list, verbose_name=_("rows"))
    totals = models.JSONField(default=dict, verbose_name=_("totals"))
    weekly = models.BooleanField(default=False, verbose_name=_("weekly"))
    generated_at = models.DateTimeField(default=timezone.now, verbose_name=_("generated at"))

    class Meta:
        verbose_name = _("KPI report")
        verbose_name_plural = _("KPI reports")
        ordering = ["-period_start", "group_by"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end", "group_by"],
                condition=Q(weekly=True),
                name="kpi_report_weekly_unique",
            )
        ]

    def __str__(self):
        return f"{self.group_by} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"
