"""Models of tickets.knowledge: the fault catalogue (articles, their versions and images),
feedback on them, which article guided a remote fix, and the technical-support queue."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tickets.models import ProductCategory, ProductModel, Ticket

from .choices import QuestionStatus


def _in_language(obj, field):
    """``field``'s text in the reader's language (``_zh`` for Chinese, ``_en`` else), falling
    back to the other language when that one is empty."""
    first, second = ("zh", "en") if (get_language() or "").startswith("zh") else ("en", "zh")
    return getattr(obj, f"{field}_{first}") or getattr(obj, f"{field}_{second}")


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(current__isnull=False)

    def for_category(self, category_id):
        return self.filter(category_id=category_id) if category_id else self


class Article(models.Model):
    """A fault of a product category (symptoms → likely causes → fixes). Its text lives in
    versions; ``current`` is the version readers see (none yet: a draft). ``search_text``
    is the current version's text pre-segmented by jieba (``tickets.knowledge.search``);
    ``helped``/``not_helped`` count the feedback that ranks suggestions."""

    code = models.SlugField(
        max_length=64, unique=True, null=True, blank=True, verbose_name=_("code")
    )
    category = models.ForeignKey(
        ProductCategory,
        on_delete=models.PROTECT,
        related_name="articles",
        verbose_name=_("product category"),
    )
    product_model = models.ForeignKey(
        ProductModel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
        verbose_name=_("product model"),
    )
    current = models.ForeignKey(
        "ArticleVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("current version"),
    )
    search_text = models.TextField(blank=True, verbose_name=_("search text"))
    helped = models.PositiveIntegerField(default=0, verbose_name=_("helped"))
    not_helped = models.PositiveIntegerField(default=0, verbose_name=_("did not help"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        indexes = [models.Index(fields=["category", "id"], name="knowledge_article_category")]

    def __str__(self):
        return self.title or f"#{self.pk}"

    @property
    def title(self):
        return self.current.title if self.current_id else ""

    @property
    def is_draft(self):
        return self.current_id is None


class ArticleVersion(models.Model):
    """One published (or draft) text of an article, kept for ever: a remote fix names the
    version that guided the customer. Steps are one per line, in order."""

    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="versions", verbose_name=_("article")
    )
    number = models.PositiveIntegerField(verbose_name=_("version"))
    title_en = models.CharField(max_length=200, blank=True, verbose_name=_("title (English)"))
    title_zh = models.CharField(max_length=200, blank=True, verbose_name=_("title (Chinese)"))
    symptoms_en = models.TextField(blank=True, verbose_name=_("symptoms (English)"))
    symptoms_zh = models.TextField(blank=True, verbose_name=_("symptoms (Chinese)"))
    causes_en = models.TextField(blank=True, verbose_name=_("likely causes (English)"))
    causes_zh = models.TextField(blank=True, verbose_name=_("likely causes (Chinese)"))
    steps_en = models.TextField(blank=True, verbose_name=_("fix steps (English)"))
    steps_zh = models.TextField(blank=True, verbose_name=_("fix steps (Chinese)"))
    published = models.BooleanField(default=True, verbose_name=_("published"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["article_id", "number"]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "number"], name="knowledge_version_number_unique"
            )
        ]

    def __str__(self):
        return f"{self.title} v{self.number}"

    @property
    def title(self):
        return _in_language(self, "title")

    @property
    def symptoms(self):
        return _in_language(self, "symptoms")

    @property
    def causes(self):
        return _in_language(self, "causes")

    @property
    def steps(self):
        """The fix steps in the reader's language, in order."""
        return [line.strip() for line in _in_language(self, "steps").splitlines() if line.strip()]


class ArticleImage(models.Model):
    """A picture of a step (checked on upload by ``aftersales.uploads``)."""

    version = models.ForeignKey(
        ArticleVersion, on_delete=models.PROTECT, related_name="images", verbose_name=_("version")
    )
    image = models.FileField(upload_to="knowledge/%Y/%m/", verbose_name=_("image"))
    caption = models.CharField(max_length=200, blank=True, verbose_name=_("caption"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("article image")
        verbose_name_plural = _("article images")

    def __str__(self):
        return self.caption or self.image.name


class ArticleFeedback(models.Model):
    """ "This helped" / "did not help": once per user per article per ticket (or once per
    user and article without a ticket)."""

    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="feedback", verbose_name=_("article")
    )
    version = models.ForeignKey(
        ArticleVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("version")
    )
    ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ticket"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    helped = models.BooleanField(verbose_name=_("helped"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user", "ticket"],
                condition=Q(ticket__isnull=False),
                name="knowledge_feedback_once_per_ticket",
            ),
            models.UniqueConstraint(
                fields=["article", "user"],
                condition=Q(ticket__isnull=True),
                name="knowledge_feedback_once_without_ticket",
            ),
        ]

    def __str__(self):
        return f"{self.article_id} {self.user_id} {self.helped}"


class TicketArticle(models.Model):
    """The article version that guided the customer in a remote fix of a ticket."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="+", verbose_name=_("ticket")
    )
    version = models.ForeignKey(
        ArticleVersion, on_delete=models.PROTECT, related_name="uses", verbose_name=_("version")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("article used in a remote fix")
        verbose_name_plural = _("articles used in remote fixes")
        indexes = [models.Index(fields=["ticket", "created_at"], name="knowledge_use_ticket")]

    def __str__(self):
        return f"{self.ticket_id} ← {self.version_id}"


class QuestionNumberSequence(models.Model):
    """The last support-question number of a year (gap-free, aftersales.sequences)."""

    year = models.PositiveSmallIntegerField(primary_key=True, verbose_name=_("year"))
    last = models.PositiveIntegerField(default=0, verbose_name=_("last number"))

    class Meta:
        verbose_name = _("question number sequence")
        verbose_name_plural = _("question number sequences")

    def __str__(self):
        return f"{self.year}: {self.last}"


class SupportQuestionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=QuestionStatus.OPEN)

    def overdue_unmarked(self, now):
        return self.open().filter(due_at__lt=now, overdue_at__isnull=True)


class SupportQuestion(models.Model):
    """A question the desk could not answer, escalated to technical support (技术支持), with
    its own response target (``due_at``, settings.SUPPORT_RESPONSE_HOURS after asking)."""

    number = models.CharField(max_length=32, unique=True, verbose_name=_("number"))
    ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ticket"),
    )
    category = models.ForeignKey(
        ProductCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product category"),
    )
    question = models.TextField(verbose_name=_("question"))
    status = models.CharField(
        max_length=16,
        choices=QuestionStatus.choices,
        default=QuestionStatus.OPEN,
        verbose_name=_("status"),
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("asked by"),
    )
    asked_at = models.DateTimeField(default=timezone.now, verbose_name=_("asked at"))
    due_at = models.DateTimeField(verbose_name=_("answer due"))
    overdue_at = models.DateTimeField(null=True, blank=True, verbose_name=_("marked overdue at"))
    answer = models.TextField(blank=True, verbose_name=_("answer"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("answered at"))
    draft_article = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("article drafted from the answer"),
    )

    objects = SupportQuestionQuerySet.as_manager()

    class Meta:
        ordering = ["-asked_at", "-id"]
        verbose_name = _("support question")
        verbose_name_plural = _("support questions")
        indexes = [
            models.Index(
                fields=["due_at"],
                name="knowledge_question_open_due",
                condition=Q(status="open"),
            ),
            models.Index(fields=["ticket"], name="knowledge_question_ticket"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_overdue(self):
        return self.status == QuestionStatus.OPEN and self.due_at < timezone.now()
