"""Service incidents (应急): the incident with its grade and due times, the tickets linked
to it, its own timeline, the notices to the affected customers and the post-incident
review. Every write goes through ``tickets.incidents.services``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.fields import ListField
from tickets.models import Customer, Ticket

from .choices import IncidentEventKind, IncidentGrade, IncidentStage, LinkMethod

User = settings.AUTH_USER_MODEL


class IncidentNumberSequence(models.Model):
    """Per-year counter behind the incident numbers (INC-2026-001), gap-free."""

    year = models.PositiveSmallIntegerField(primary_key=True, verbose_name=_("year"))
    last_value = models.PositiveIntegerField(default=0, verbose_name=_("last number issued"))

    class Meta:
        verbose_name = _("incident number sequence")
        verbose_name_plural = _("incident number sequences")

    def __str__(self):
        return f"{self.year}: {self.last_value}"


class IncidentQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(stage=IncidentStage.CLOSED)

    def with_rule(self):
        return self.exclude(rule_model_ids=[])


class Incident(models.Model):
    """One declared incident (a batch failure, a flood, a recall …).

    The due times are frozen at the declaration from ``INCIDENT_TARGETS`` of its grade;
    ``stage`` moves forward only (declared → responded → handled → closed) through the
    services, each with a compare-and-swap on ``version``. The rule (product models,
    areas, a creation window) links the matching tickets; while the incident is open,
    tickets that arrive and match are linked too.
    """

    number = models.CharField(max_length=32, unique=True, verbose_name=_("number"))
    title = models.CharField(max_length=200, verbose_name=_("title"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    grade = models.CharField(max_length=16, choices=IncidentGrade.choices, verbose_name=_("grade"))
    stage = models.CharField(
        max_length=16,
        choices=IncidentStage.choices,
        default=IncidentStage.DECLARED,
        verbose_name=_("stage"),
    )
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    declared_at = models.DateTimeField(default=timezone.now, verbose_name=_("declared at"))
    declared_by = models.ForeignKey(
        User, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("declared by")
    )
    response_due_at = models.DateTimeField(verbose_name=_("response due at"))
    handling_due_at = models.DateTimeField(verbose_name=_("initial handling due at"))
    closure_due_at = models.DateTimeField(verbose_name=_("closed loop due at"))
    responded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("responded at"))
    handled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("handled at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    # The stage clocks whose overdue warning went out (target keys), so each warns once.
    warned = ListField(
        models.CharField(max_length=16), default=list, blank=True, verbose_name=_("warned")
    )
    rule_model_ids = ListField(
        models.PositiveIntegerField(),
        default=list,
        blank=True,
        verbose_name=_("rule: product models"),
    )
    rule_area_ids = ListField(
        models.PositiveIntegerField(),
        default=list,
        blank=True,
        verbose_name=_("rule: areas (none: every area)"),
    )
    rule_created_from = models.DateTimeField(
        null=True, blank=True, verbose_name=_("rule: created from")
    )
    rule_created_until = models.DateTimeField(
        null=True, blank=True, verbose_name=_("rule: created before")
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-declared_at", "-id"]
        verbose_name = _("service incident")
        verbose_name_plural = _("service incidents")
        indexes = [
            models.Index(
                fields=["declared_at"], name="incident_open", condition=~Q(stage="closed")
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def is_open(self):
        return self.stage != IncidentStage.CLOSED

    @property
    def has_rule(self):
        return bool(self.rule_model_ids)


class IncidentTicket(models.Model):
    """A ticket linked to an incident: once per (incident, ticket). Unlinking keeps the
    row with its reason, so the rule does not link the ticket again."""

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="links", verbose_name=_("incident")
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="+", verbose_name=_("ticket")
    )
    method = models.CharField(
        max_length=16, choices=LinkMethod.choices, verbose_name=_("how it was linked")
    )
    linked_at = models.DateTimeField(default=timezone.now, verbose_name=_("linked at"))
    linked_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("linked by"),
    )
    unlinked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("unlinked at"))
    unlinked_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unlinked by"),
    )
    unlink_reason = models.TextField(blank=True, verbose_name=_("reason for unlinking"))

    class Meta:
        ordering = ["-linked_at", "-id"]
        verbose_name = _("linked ticket")
        verbose_name_plural = _("linked tickets")
        constraints = [
            models.UniqueConstraint(fields=["incident", "ticket"], name="incident_ticket_once"),
        ]
        indexes = [models.Index(fields=["ticket"], name="incidentticket_ticket")]

    def __str__(self):
        return f"{self.incident_id} ← {self.ticket_id}"


class IncidentEvent(models.Model):
    """One entry of the incident's own timeline; ``payload`` holds codes and counts."""

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="events", verbose_name=_("incident")
    )
    kind = models.CharField(
        max_length=32, choices=IncidentEventKind.choices, verbose_name=_("kind")
    )
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True, verbose_name=_("payload"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("incident event")
        verbose_name_plural = _("incident events")
        indexes = [models.Index(fields=["incident", "created_at"], name="incidentevent_time")]

    def __str__(self):
        return f"{self.incident_id} {self.kind}"


class IncidentNotice(models.Model):
    """A message to the affected customers, drafted then sent once (``sent_at``)."""

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="notices", verbose_name=_("incident")
    )
    subject = models.CharField(max_length=200, verbose_name=_("subject"))
    body = models.TextField(verbose_name=_("message"))
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("written at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    sent_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sent by"),
    )
    recipients = models.PositiveIntegerField(default=0, verbose_name=_("customers told"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("incident notice")
        verbose_name_plural = _("incident notices")

    def __str__(self):
        return f"{self.incident_id}: {self.subject}"


class IncidentNoticeDelivery(models.Model):
    """That ``customer`` was told ``notice``: the de-duplication of the bulk notice."""

    notice = models.ForeignKey(
        IncidentNotice, on_delete=models.PROTECT, related_name="+", verbose_name=_("notice")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("incident notice delivery")
        verbose_name_plural = _("incident notice deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notice", "customer"], name="incident_notice_once"),
        ]

    def __str__(self):
        return f"{self.notice_id} → {self.customer_id}"


class IncidentReview(models.Model):
    """The post-incident review (复盘): cause, what was done, lessons, follow-up actions."""

    incident = models.OneToOneField(
        Incident, on_delete=models.PROTECT, related_name="review", verbose_name=_("incident")
    )
    cause = models.TextField(verbose_name=_("cause"))
    actions_taken = models.TextField(verbose_name=_("what was done"))
    lessons = models.TextField(blank=True, verbose_name=_("lessons"))
    follow_up = models.TextField(blank=True, verbose_name=_("follow-up actions"))
    reviewed_by = models.ForeignKey(
        User, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewed by")
    )
    reviewed_at = models.DateTimeField(default=timezone.now, verbose_name=_("reviewed at"))

    class Meta:
        verbose_name = _("post-incident review")
        verbose_name_plural = _("post-incident reviews")

    def __str__(self):
        return f"{self.incident_id} review"
