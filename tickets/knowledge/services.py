"""Every write of the knowledge base and the technical-support queue.

Articles are written by supervisors and technical support; every save publishes a new
version (the old ones stay readable, a remote fix names the one it used). Feedback comes
from the desk and technicians, once per user per article per ticket. Questions are asked
by the desk and technicians and answered by technical support within
``SUPPORT_RESPONSE_HOURS``; the beat sweep marks and notifies the overdue ones once. Each
function runs in one transaction and writes its audit event (and timeline event when a
ticket is concerned) in it; notifications are queued in it and delivered after commit.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import InvalidTransition, StaleVersion
from aftersales.platform.models import NotificationKind
from aftersales.platform.services import notify
from aftersales.roles import Role, acting_user, role_require
from aftersales.sequences import sequence_next
from aftersales.unique import unique_or_invalid
from audits.services import audit_record
from tickets.choices import EventKind
from tickets.models import TicketEvent

from .choices import QuestionStatus
from .models import (
    Article,
    ArticleFeedback,
    ArticleVersion,
    QuestionNumberSequence,
    SupportQuestion,
    TicketArticle,
)
from .search import search_text_of

EDITOR_ROLES = (Role.SUPERVISOR, Role.TECH_SUPPORT)
FEEDBACK_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.TECHNICIAN, Role.TECH_SUPPORT)
ASK_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.TECHNICIAN)
ANSWER_ROLES = (Role.TECH_SUPPORT,)
TEXT_FIELDS = (
    "title_en",
    "title_zh",
    "symptoms_en",
    "symptoms_zh",
    "causes_en",
    "causes_zh",
    "steps_en",
    "steps_zh",
)


def _require_editor(actor):
    role_require(
        actor, *EDITOR_ROLES, message=_("Only supervisors and technical support write articles.")
    )


def _texts(values):
    texts = {field: (values.get(field) or "").strip() for field in TEXT_FIELDS}
    unknown = set(values) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown article fields: {sorted(unknown)}")
    if not (texts["title_en"] or texts["title_zh"]):
        raise ValidationError({"title_en": [_("Give the article a title in one language.")]})
    if not (texts["symptoms_en"] or texts["symptoms_zh"]):
        raise ValidationError({"symptoms_en": [_("Describe the symptoms in one language.")]})
    if not (texts["steps_en"] or texts["steps_zh"]):
        raise ValidationError({"steps_en": [_("Write the fix steps in one language.")]})
    return texts


def _add_version(*, article, actor, texts, published):
    last = article.versions.aggregate(last=Max("number"))["last"] or 0
    version = ArticleVersion(
        article=article,
        number=last + 1,
        published=published,
        created_by=acting_user(actor),
        **texts,
    )
    version.full_clean(exclude=["article"])
    version.save()
    if published:
        Article.objects.filter(pk=article.pk).update(
            current=version, search_text=search_text_of(version)
        )
        article.current = version
        article.search_text = search_text_of(version)
    return version


@transaction.atomic
def article_create(*, actor, category, product_model=None, code=None, published=True, **texts):
    """A new article of ``category`` (optionally a model of it) with its first version;
    ``published=False`` keeps it a draft (no reader sees it until a version is published)."""
    _require_editor(actor)
    texts = _texts(texts)
    if product_model is not None and product_model.category_id != category.pk:
        raise ValidationError(
            {"product_model": [_("This model is not of the article's category.")]}
        )
    code = (code or "").strip().lower() or None
    if code and Article.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("This code is taken.")]})
    with unique_or_invalid("code", _("This code is taken.")):
        article = Article.objects.create(
            code=code, category=category, product_model=product_model, created_by=acting_user(actor)
        )
    version = _add_version(article=article, actor=actor, texts=texts, published=published)
    audit_record(
        actor=actor,
        action="knowledge.article_created",
        obj=article,
        changes={"category": category.code, "version": version.number, "published": published},
    )
    return article


@transaction.atomic
def article_version_publish(*, article, actor, expected_version=None, **texts):
    """Edit = publish a new version (the previous ones stay, readable). ``expected_version``
    is the version number the editor started from: a newer one refuses (409)."""
    _require_editor(actor)
    article = Article.objects.select_for_update().get(pk=article.pk)
    texts = _texts(texts)
    last = article.versions.aggregate(last=Max("number"))["last"] or 0
    if expected_version is not None and expected_version != last:
        raise StaleVersion(
            _("Someone published a newer version meanwhile; reload the article."),
            extra={"version": last},
        )
    version = _add_version(article=article, actor=actor, texts=texts, published=True)
    audit_record(
        actor=actor,
        action="knowledge.article_published",
        obj=article,
        changes={"version": [last, version.number]},
    )
    return version


@transaction.atomic
def article_feedback_record(*, article, actor, helped, ticket=None):
    """ "This helped" (``helped=True``) or "did not help": once per user per article per
    ticket; the counts rank the suggestions (``search.blend``)."""
    role_require(actor, *FEEDBACK_ROLES, message=_("Your role may not rate articles."))
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.current_id is None:
        raise InvalidTransition(_("A draft article cannot be rated."))
    duplicate = ArticleFeedback.objects.filter(article=article, user=actor, ticket=ticket)
    if ticket is None:
        duplicate = ArticleFeedback.objects.filter(article=article, user=actor, ticket__isnull=True)
    if duplicate.exists():
        raise InvalidTransition(_("You have already rated this article for this ticket."))
    try:
        with transaction.atomic():
            feedback = ArticleFeedback.objects.create(
                article=article,
                version_id=article.current_id,
                ticket=ticket,
                user=actor,
                helped=helped,
            )
    except IntegrityError as exc:
        raise InvalidTransition(_("You have already rated this article for this ticket.")) from exc
    counter = "helped" if helped else "not_helped"
    Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    audit_record(
        actor=actor,
        action="knowledge.feedback_recorded",
        obj=article,
        ticket=ticket,
        changes={"helped": helped, "version": article.current.number},
    )
    return feedback


def _published_version(version):
    if isinstance(version, Article):
        if version.current_id is None:
            raise ValidationError({"article": [_("This article has no published version.")]})
        return version.current
    if not version.published:
        raise ValidationError({"article": [_("This article version is not published.")]})
    return version


@transaction.atomic
def ticket_article_record(*, ticket, actor, article):
    """Record that ``article`` (an ``ArticleVersion``, or an ``Article``: its current
    version) guided the customer in the remote fix of ``ticket``. Called by
    ``tickets.services.lifecycle`` inside the fix's transaction; writes the timeline event
    (kind ``knowledge``) and the audit event."""
    version = _published_version(article)
    use = TicketArticle.objects.create(ticket=ticket, version=version, actor=acting_user(actor))
    TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.KNOWLEDGE,
        action="article_used",
        actor=acting_user(actor),
        payload={"article": version.article_id, "version": version.number},
    )
    audit_record(
        actor=actor,
        action="knowledge.article_used",
        obj=use,
        ticket=ticket,
        changes={"article": version.article_id, "version": version.number},
    )
    return use


def _experts():
    users = get_user_model().objects.filter(groups__name=Role.TECH_SUPPORT, is_active=True)
    return list(users.order_by("pk").distinct())


def question_number_next(*, year):
    value = sequence_next(QuestionNumberSequence, field="last", year=year)
    return f"{settings.SUPPORT_QUESTION_PREFIX}-{year}-{value:06d}"


def _question_context(question):
    return {
        "number": question.number,
        "question": question.question[:300],
        "ticket": question.ticket.number if question.ticket_id else "",
        "due_at": question.due_at,
    }


@transaction.atomic
def support_question_ask(*, actor, question, ticket=None, category=None):
    """Escalate a question the desk (or a technician on a job) cannot answer to technical
    support; it is due ``SUPPORT_RESPONSE_HOURS`` from now and the experts are told."""
    role_require(actor, *ASK_ROLES, message=_("Your role may not escalate questions."))
    text = (question or "").strip()
    if not text:
        raise ValidationError({"question": [_("Write the question.")]})
    if category is None and ticket is not None and ticket.product_id:
        category = ticket.product.model.category
    now = timezone.now()
    row = SupportQuestion.objects.create(
        number=question_number_next(year=timezone.localdate(now).year),
        ticket=ticket,
        category=category,
        question=text,
        asked_by=acting_user(actor),
        asked_at=now,
        due_at=now + datetime.timedelta(hours=settings.SUPPORT_RESPONSE_HOURS),
    )
    if ticket is not None:
        TicketEvent.objects.create(
            ticket=ticket,
            kind=EventKind.SUPPORT,
            action="question_asked",
            actor=acting_user(actor),
            created_at=now,
            payload={"question": row.pk, "number": row.number},
        )
    audit_record(
        actor=actor,
        action="knowledge.question_asked",
        obj=row,
        ticket=ticket,
        changes={"number": row.number, "due_at": row.due_at.isoformat()},
    )
    notify(
        kind=NotificationKind.SUPPORT_QUESTION,
        recipients=_experts(),
        context=_question_context(row),
        ticket=ticket,
        dedupe_key=f"support-question:{row.pk}",
    )
    return row


@transaction.atomic
def support_question_answer(*, question, actor, answer, draft_article=False):
    """Technical support answers; the asker is told. ``draft_article=True`` also starts an
    article draft from the question and the answer (needs the question's category)."""
    role_require(actor, *ANSWER_ROLES, message=_("Only technical support answers questions."))
    question = SupportQuestion.objects.select_for_update().get(pk=question.pk)
    text = (answer or "").strip()
    if not text:
        raise ValidationError({"answer": [_("Write the answer.")]})
    if question.status != QuestionStatus.OPEN:
        raise InvalidTransition(_("This question has already been answered."))
    if draft_article and question.category_id is None:
        raise ValidationError(
            {
                "draft_article": [
                    _("A question without a product category cannot become an article.")
                ]
            }
        )
    now = timezone.now()
    updated = SupportQuestion.objects.filter(pk=question.pk, status=QuestionStatus.OPEN).update(
        status=QuestionStatus.ANSWERED, answer=text, answered_by=acting_user(actor), answered_at=now
    )
    if updated != 1:
        raise InvalidTransition(_("This question has already been answered."))
    question.refresh_from_db()
    if draft_article:
        title = question.question.splitlines()[0][:200]
        article = article_create(
            actor=actor,
            category=question.category,
            published=False,
            title_en=title,
            title_zh=title,
            symptoms_en=question.question,
            steps_en=text,
        )
        SupportQuestion.objects.filter(pk=question.pk).update(draft_article=article)
        question.draft_article = article
    if question.ticket_id:
        TicketEvent.objects.create(
            ticket_id=question.ticket_id,
            kind=EventKind.SUPPORT,
            action="question_answered",
            actor=acting_user(actor),
            created_at=now,
            payload={"question": question.pk, "number": question.number},
        )
    audit_record(
        actor=actor,
        action="knowledge.question_answered",
        obj=question,
        ticket=question.ticket,
        changes={"status": [QuestionStatus.OPEN, QuestionStatus.ANSWERED]},
    )
    if question.asked_by_id:
        notify(
            kind=NotificationKind.SUPPORT_ANSWER,
            recipients=[question.asked_by],
            context={**_question_context(question), "answer": text[:500]},
            ticket=question.ticket,
            dedupe_key=f"support-answer:{question.pk}",
        )
    return question


def support_questions_overdue_sweep(*, now=None, batch=200):
    """Mark each open question past its response target overdue, once, and tell the experts
    (and the supervisors) about it. Returns how many were marked."""
    now = now or timezone.now()
    marked = 0
    overdue = SupportQuestion.objects.overdue_unmarked(now).order_by("due_at")
    ids = list(overdue.values_list("pk", flat=True)[:batch])
    for pk in ids:
        marked += support_question_mark_overdue(question_id=pk, now=now)
    return marked


@transaction.atomic
def support_question_mark_overdue(*, question_id, now):
    """One question of the sweep (conditional update: a second sweep marks nothing)."""
    updated = SupportQuestion.objects.filter(
        pk=question_id, status=QuestionStatus.OPEN, overdue_at__isnull=True, due_at__lt=now
    ).update(overdue_at=now)
    if updated != 1:
        return 0
    question = SupportQuestion.objects.select_related("ticket").get(pk=question_id)
    audit_record(
        actor=None,
        action="knowledge.question_overdue",
        obj=question,
        ticket=question.ticket,
        changes={"overdue_at": now.isoformat()},
    )
    notify(
        kind=NotificationKind.SUPPORT_QUESTION,
        recipients=_experts(),
        context={**_question_context(question), "overdue": True},
        ticket=question.ticket,
        dedupe_key=f"support-question-overdue:{question.pk}",
    )
    return 1
