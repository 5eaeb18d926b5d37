"""Survey templates (versioned, with ordered questions in English and Chinese), the
responses with one answer per question, the return-visit sample of each closed ticket and
the follow-up task a low score opens (README "Satisfaction surveys and return visits")."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tickets.choices import TicketCategory

from .choices import (
    QuestionKind,
    ResponseChannel,
    SampleReason,
    TaskStatus,
    TemplateStatus,
)

KEY_VALIDATOR = RegexValidator(
    r"^[a-z][a-z0-9_]*$", _("Lower-case letters, digits and '_' only, starting with a letter.")
)


def _in_language(en, zh):
    return zh if (get_language() or "").lower().startswith("zh") and zh else en


class SurveyTemplate(models.Model):
    """One version of a survey. ``code`` names the survey across its versions; a version
    that has answers is never edited in place (a revision makes the next version). At most
    one version is active per ticket category (``category=""``: every category without
    its own)."""

    code = models.CharField(max_length=40, validators=[KEY_VALIDATOR], verbose_name=_("code"))
    version = models.PositiveSmallIntegerField(default=1, verbose_name=_("version"))
    title_en = models.CharField(max_length=200, verbose_name=_("title (English)"))
    title_zh = models.CharField(max_length=200, blank=True, verbose_name=_("title (Chinese)"))
    category = models.CharField(
        max_length=32,
        blank=True,
        choices=TicketCategory.choices,
        verbose_name=_("service type"),
        help_text=_("Empty: used for every service type without a template of its own."),
    )
    status = models.CharField(
        max_length=16,
        choices=TemplateStatus.choices,
        default=TemplateStatus.DRAFT,
        verbose_name=_("status"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    activated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("activated at"))

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("survey template")
        verbose_name_plural = _("survey templates")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="survey_template_version"),
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(status=TemplateStatus.ACTIVE),
                name="survey_template_one_active",
            ),
        ]

    def __str__(self):
        return f"{self.title} (v{self.version})"

    @property
    def title(self):
        return _in_language(self.title_en, self.title_zh)


class SurveyQuestion(models.Model):
    """A question of one template version, in its order."""

    template = models.ForeignKey(
        SurveyTemplate,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("template"),
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    key = models.CharField(max_length=40, validators=[KEY_VALIDATOR], verbose_name=_("key"))
    kind = models.CharField(
        max_length=16,
        choices=QuestionKind.choices,
        default=QuestionKind.RATING,
        verbose_name=_("kind"),
    )
    text_en = models.CharField(max_length=300, verbose_name=_("question (English)"))
    text_zh = models.CharField(max_length=300, blank=True, verbose_name=_("question (Chinese)"))
    required = models.BooleanField(default=True, verbose_name=_("required"))

    class Meta:
        ordering = ["template", "position"]
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="survey_question_key"),
            models.UniqueConstraint(
                fields=["template", "position"], name="survey_question_position"
            ),
        ]

    def __str__(self):
        return self.key

    @property
    def text(self):
        return _in_language(self.text_en, self.text_zh)


class SurveyResponse(models.Model):
    """A ticket's answered survey: one per ticket (the return visit is done once), from
    the follow-up call (who recorded it) or the customer's link. ``overall`` is the answer
    to the ``overall`` question, also kept as the ticket's follow-up satisfaction."""

    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="survey_response",
        verbose_name=_("ticket"),
    )
    template = models.ForeignKey(
        SurveyTemplate,
        on_delete=models.PROTECT,
        related_name="responses",
        verbose_name=_("template"),
    )
    channel = models.CharField(
        max_length=8, choices=ResponseChannel.choices, verbose_name=_("channel")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    overall = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)], verbose_name=_("overall score")
    )
    comment = models.TextField(blank=True, verbose_name=_("comment"))
    created_at = models.DateTimeField(
        default=timezone.now, verbose_name=pgettext_lazy("survey", "answered at")
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [models.Index(fields=["created_at"], name="survey_response_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(overall__gte=1, overall__lte=5), name="survey_response_overall_1_5"
            )
        ]

    def __str__(self):
        return f"{self.ticket_id}: {self.overall}"


class SurveyAnswer(models.Model):
    """The answer to one question: a rating 1–5, yes/no or text, by the question's kind."""

    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    question = models.ForeignKey(
        SurveyQuestion,
        on_delete=models.PROTECT,
        related_name="answers",
        verbose_name=pgettext_lazy("survey", "question"),
    )
    rating = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("rating"))
    yes = models.BooleanField(null=True, blank=True, verbose_name=_("yes"))
    text = models.TextField(blank=True, verbose_name=_("text"))

    class Meta:
        ordering = ["response", "question__position"]
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="survey_answer_rating_1_5",
            ),
        ]

    def __str__(self):
        return f"{self.question.key}"


class ReturnVisitSample(models.Model):
    """Whether a closed ticket owes a return visit (回访): every complaint does, and a
    reproducible share of the rest (``SURVEY_SAMPLE_PERCENT`` with ``SURVEY_SAMPLE_SEED``).
    Written when the ticket closes, with the figures that decided it."""

    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="return_visit_sample",
        verbose_name=_("ticket"),
    )
    sampled = models.BooleanField(verbose_name=_("sampled"))
    reason = models.CharField(max_length=16, choices=SampleReason.choices, verbose_name=_("reason"))
    percent = models.PositiveSmallIntegerField(verbose_name=_("sample percent"))
    draw = models.PositiveIntegerField(
        verbose_name=_("draw"), help_text=_("The ticket's draw 0–9999 under the seed.")
    )
    decided_at = models.DateTimeField(default=timezone.now, verbose_name=_("decided at"))

    class Meta:
        verbose_name = _("return-visit sample")
        verbose_name_plural = _("return-visit samples")

    def __str__(self):
        return f"{self.ticket_id}: {self.reason}"


class SurveyFollowUpTask(models.Model):
    """The follow-up a low score opens: once per response, assigned to the configured
    user (``SURVEY_FOLLOW_UP_ASSIGNEE``) or left to the supervisors' queue, closed with a
    note of what was done."""

    response = models.OneToOneField(
        SurveyResponse,
        on_delete=models.PROTECT,
        related_name="follow_up_task",
        verbose_name=_("response"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="survey_tasks",
        verbose_name=_("ticket"),
    )
    status = models.CharField(
        max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN, verbose_name=_("status")
    )
    low_answers = models.JSONField(
        default=list, blank=True, verbose_name=_("low answers"), help_text=_("key and rating")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="survey_tasks",
        verbose_name=_("assignee"),
    )
    opened_at = models.DateTimeField(default=timezone.now, verbose_name=_("opened at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("closed by"),
    )
    note = models.TextField(blank=True, verbose_name=_("what was done"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("survey follow-up task")
        verbose_name_plural = _("survey follow-up tasks")
        indexes = [models.Index(fields=["status", "-opened_at"], name="survey_task_status")]

    def __str__(self):
        return f"{self.ticket_id}: {self.status}"
