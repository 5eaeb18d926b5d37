"""Every write of the satisfaction surveys: templates (create, revise into a new version,
activate), the return-visit sample of a closing ticket, the response with its answers
(called by the lifecycle's ``ticket_follow_up``, which keeps the overall score as the
ticket's follow-up satisfaction), and the follow-up task a low score opens and its close.

Each runs in one transaction with its audit event; notifications go through the outbox
(``notify``, delivered after commit). ``actor=None`` is the system or the customer's link.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import InvalidTransition, StaleVersion
from aftersales.platform.models import NotificationKind
from aftersales.platform.services import notify
from aftersales.roles import DESK_ROLES, Role, acting_user, role_require
from aftersales.unique import unique_or_invalid
from audits.services import audit_record
from tickets.choices import EventKind
from tickets.models import Ticket, TicketEvent

from .choices import QuestionKind, StandardQuestion, TaskStatus, TemplateStatus
from .forms import RESERVED_KEYS
from .models import (
    ReturnVisitSample,
    SurveyAnswer,
    SurveyFollowUpTask,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
)
from .sampling import sample_decide

TEMPLATE_WRITERS = (Role.SUPERVISOR,)
RESPONSE_WRITERS = tuple(DESK_ROLES)
TASK_WRITERS = tuple(DESK_ROLES)
OVERALL = StandardQuestion.OVERALL
TEXT_MAX = 2000

# The standard return visit (used when no template is active): four aspects and overall.
STANDARD_QUESTIONS = [
    {"key": "timeliness", "kind": QuestionKind.RATING,
     "text_en": "Did the technician arrive and finish on time?",
     "text_zh": "服务人员是否按时上门并按时完成？"},
    {"key": "attitude", "kind": QuestionKind.RATING,
     "text_en": "How was the service attitude?", "text_zh": "服务态度如何？"},
    {"key": "skill", "kind": QuestionKind.RATING,
     "text_en": "How skilled was the repair?", "text_zh": "维修技术水平如何？"},
    {"key": "cleanliness", "kind": QuestionKind.RATING,
     "text_en": "Was the site left clean?", "text_zh": "服务后现场是否整洁？"},
    {"key": "overall", "kind": QuestionKind.RATING,
     "text_en": "How satisfied are you overall?", "text_zh": "总体满意度如何？"},
    {"key": "solved", "kind": QuestionKind.YES_NO, "required": False,
     "text_en": "Is the fault solved?", "text_zh": "故障是否已解决？"},
    {"key": "suggestion", "kind": QuestionKind.TEXT, "required": False,
     "text_en": "Anything we should do better?", "text_zh": "您对我们还有什么建议？"},
]  # fmt: skip


# --- Templates -------------------------------------------------------------------------------


def _clean_questions(questions):
    """Validate a template's questions (a list of dicts, in order) → cleaned dicts."""
    if not isinstance(questions, list | tuple) or not questions:
        raise ValidationError({"questions": [_("Give the survey at least one question.")]})
    cleaned, keys = [], set()
    for index, item in enumerate(questions):
        if not isinstance(item, dict):
            raise ValidationError({"questions": [_("Each question is an object.")]})
        question = SurveyQuestion(
            position=index + 1,
            key=str(item.get("key") or "").strip().lower(),
            kind=item.get("kind") or QuestionKind.RATING,
            text_en=str(item.get("text_en") or "").strip(),
            text_zh=str(item.get("text_zh") or "").strip(),
            required=bool(item.get("required", True)),
        )
        try:
            question.full_clean(exclude=["template"], validate_unique=False)
        except ValidationError as exc:
            raise ValidationError(
                {"questions": [f"{index + 1}: {m}" for m in exc.messages]}
            ) from exc
        if question.key in RESERVED_KEYS:
            raise ValidationError(
                {"questions": [_("Question key %(key)s is reserved.") % {"key": question.key}]}
            )
        if question.key in keys:
            raise ValidationError(
                {"questions": [_("Question key %(key)s is used twice.") % {"key": question.key}]}
            )
        keys.add(question.key)
        cleaned.append(question)
    overall = [q for q in cleaned if q.key == OVERALL]
    if not overall or overall[0].kind != QuestionKind.RATING or not overall[0].required:
        raise ValidationError(
            {"questions": [_("A survey needs a required rating question with the key overall.")]}
        )
    return cleaned


def _questions_state(questions):
    return [
        {"key": q.key, "kind": q.kind, "required": q.required, "text_en": q.text_en}
        for q in questions
    ]


def _save_questions(template, questions):
    for question in questions:
        question.template = template
    SurveyQuestion.objects.bulk_create(questions)


@transaction.atomic
def template_create(*, actor, code, title_en, questions, title_zh="", category=""):
    """A new survey (version 1, draft) with its ordered questions."""
    role_require(actor, *TEMPLATE_WRITERS, message=_("Only a supervisor may write surveys."))
    code = (code or "").strip().lower()
    if SurveyTemplate.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("This code is taken.")]})
    template = SurveyTemplate(
        code=code,
        title_en=(title_en or "").strip(),
        title_zh=(title_zh or "").strip(),
        category=category or "",
        created_by=acting_user(actor),
    )
    template.full_clean()
    cleaned = _clean_questions(questions)
    with unique_or_invalid("code", _("This code is taken.")):
        template.save()
    _save_questions(template, cleaned)
    audit_record(
        actor=actor,
        action="survey.template_created",
        obj=template,
        changes={"code": code, "version": 1, "questions": _questions_state(cleaned)},
    )
    return template


@transaction.atomic
def template_revise(*, template, actor, questions, title_en=None, title_zh=None):
    """Change a survey's questions or titles. A version without answers changes in place;
    one that has answers stays as answered and the change becomes the next version (active
    in its place if it was active). Returns the version that holds the change."""
    role_require(actor, *TEMPLATE_WRITERS, message=_("Only a supervisor may write surveys."))
    template = SurveyTemplate.objects.select_for_update().get(pk=template.pk)
    if template.status == TemplateStatus.RETIRED:
        raise InvalidTransition(
            _("A retired version is not changed; revise the latest one."),
            extra={"status": template.status, "action": "revise"},
        )
    cleaned = _clean_questions(questions)
    titles = {
        "title_en": (title_en if title_en is not None else template.title_en).strip(),
        "title_zh": (title_zh if title_zh is not None else template.title_zh).strip(),
    }
    if not titles["title_en"]:
        raise ValidationError({"title_en": [_("Give the survey a title.")]})
    before = _questions_state(template.questions.all())
    if not template.responses.exists():
        for name, value in titles.items():
            setattr(template, name, value)
        template.save(update_fields=list(titles))
        template.questions.all().delete()
        _save_questions(template, cleaned)
        revised = template
    else:
        latest = SurveyTemplate.objects.filter(code=template.code).order_by("-version").first()
        was_active = template.status == TemplateStatus.ACTIVE
        if was_active:
            template.status = TemplateStatus.RETIRED
            template.save(update_fields=["status"])
        revised = SurveyTemplate.objects.create(
            code=template.code,
            version=latest.version + 1,
            category=template.category,
            status=TemplateStatus.ACTIVE if was_active else TemplateStatus.DRAFT,
            activated_at=timezone.now() if was_active else None,
            created_by=acting_user(actor),
            **titles,
        )
        _save_questions(revised, cleaned)
    audit_record(
        actor=actor,
        action="survey.template_revised",
        obj=revised,
        changes={
            "version": [template.version, revised.version],
            "questions": [before, _questions_state(cleaned)],
        },
    )
    return revised


@transaction.atomic
def template_activate(*, template, actor):
    """Make this version the one in use for its service type (the one active before for
    that type is retired)."""
    role_require(actor, *TEMPLATE_WRITERS, message=_("Only a supervisor may write surveys."))
    template = SurveyTemplate.objects.select_for_update().get(pk=template.pk)
    if template.status == TemplateStatus.ACTIVE:
        return template
    retired = list(
        SurveyTemplate.objects.select_for_update()
        .filter(category=template.category, status=TemplateStatus.ACTIVE)
        .values_list("pk", flat=True)
    )
    SurveyTemplate.objects.filter(pk__in=retired).update(status=TemplateStatus.RETIRED)
    template.status = TemplateStatus.ACTIVE
    template.activated_at = timezone.now()
    template.save(update_fields=["status", "activated_at"])
    audit_record(
        actor=actor,
        action="survey.template_activated",
        obj=template,
        changes={"status": [TemplateStatus.DRAFT, TemplateStatus.ACTIVE], "retired": retired},
    )
    return template


@transaction.atomic
def standard_template_ensure():
    """The standard return visit, active for every service type, when no survey is active
    for all of them (first use, a fresh database)."""
    current = SurveyTemplate.objects.filter(category="", status=TemplateStatus.ACTIVE).first()
    if current is not None:
        return current
    template = SurveyTemplate.objects.filter(code="standard").order_by("-version").first()
    if template is None:
        template = template_create(
            actor=None,
            code="standard",
            title_en="Return visit",
            title_zh="服务回访",
            questions=STANDARD_QUESTIONS,
        )
    return template_activate(template=template, actor=None)


# --- The sample --------------------------------------------------------------------------------


@transaction.atomic
def return_visit_sample(*, ticket):
    """Decide (once) whether the closing ``ticket`` owes a return visit; returns the
    ``ReturnVisitSample``. Called by the lifecycle when a ticket closes: an unsampled
    ticket gets no return-visit due time, so neither the follow-up queue nor the SLA
    sweep's follow-up clock waits for it (it can still be followed up, and its customer
    can still answer the survey link)."""
    existing = ReturnVisitSample.objects.filter(ticket_id=ticket.pk).first()
    if existing is not None:
        return existing
    percent = settings.SURVEY_SAMPLE_PERCENT
    sampled, reason, draw = sample_decide(
        ticket_id=ticket.pk,
        category=ticket.category,
        percent=percent,
        seed=settings.SURVEY_SAMPLE_SEED,
    )
    sample = ReturnVisitSample.objects.create(
        ticket_id=ticket.pk, sampled=sampled, reason=reason, percent=percent, draw=draw
    )
    audit_record(
        actor=None,
        action="survey.return_visit_sampled",
        obj=sample,
        ticket=ticket,
        changes={"sampled": sampled, "reason": reason, "percent": percent, "draw": draw},
    )
    return sample


# --- Responses --------------------------------------------------------------------------------


def template_for(ticket):
    """The active template for the ticket's service type (its own, else the general one)."""
    templates = {
        t.category: t
        for t in SurveyTemplate.objects.filter(
            Q(category=ticket.category) | Q(category=""), status=TemplateStatus.ACTIVE
        ).prefetch_related("questions")
    }
    template = templates.get(ticket.category) or templates.get("")
    if template is None:
        template = standard_template_ensure()
        template = SurveyTemplate.objects.prefetch_related("questions").get(pk=template.pk)
    return template


def _clean_answer(question, value):
    """``(rating, yes, text)`` for one question's raw value, or a message."""
    if question.kind == QuestionKind.RATING:
        if isinstance(value, bool):
            raise ValueError(_("Choose from 1 to 5."))
        try:
            rating = int(value)
        except (TypeError, ValueError):
            rating = 0
        if not 1 <= rating <= 5 or str(value).strip() not in {str(rating), f"{rating}.0"}:
            raise ValueError(_("Choose from 1 to 5."))
        return rating, None, ""
    if question.kind == QuestionKind.YES_NO:
        if value in (True, "true", "yes", "1", 1):
            return None, True, ""
        if value in (False, "false", "no", "0", 0):
            return None, False, ""
        raise ValueError(_("Answer yes or no."))
    if not isinstance(value, str) or len(value) > TEXT_MAX:
        raise ValueError(_("Write at most %(n)s characters.") % {"n": TEXT_MAX})
    return None, None, value.strip()


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def answers_clean(template, answers, *, complete=True):
    """Check ``answers`` (question key → value) against ``template``: unknown keys, values
    of the wrong kind and (``complete``) unanswered required questions are refused with one
    message per key. Returns ``[(question, rating, yes, text)]`` in the template's order."""
    if not isinstance(answers, dict):
        raise ValidationError({"answers": [_("Give the answers as question key → value.")]})
    questions = list(template.questions.all())
    known = {q.key for q in questions}
    errors = {}
    unknown = sorted(set(answers) - known)
    if unknown:
        errors["answers"] = [
            _("Not a question of this survey: %(keys)s.") % {"keys": ", ".join(map(str, unknown))}
        ]
    rows = []
    for question in questions:
        value = answers.get(question.key)
        if _blank(value):
            if question.required and (complete or question.key == OVERALL):
                errors[question.key] = [_("Answer this question.")]
            continue
        try:
            rows.append((question, *_clean_answer(question, value)))
        except ValueError as exc:
            errors[question.key] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    return rows


def low_answers(rows):
    """The answers that call for a follow-up: any rating at or below
    ``SURVEY_LOW_SCORE_THRESHOLD`` (default 2), or the overall score at or below
    ``SURVEY_LOW_OVERALL_THRESHOLD`` (default 3)."""
    low = []
    for question, rating, _yes, _text in rows:
        if rating is None:
            continue
        limit = settings.SURVEY_LOW_SCORE_THRESHOLD
        if question.key == OVERALL:
            limit = max(limit, settings.SURVEY_LOW_OVERALL_THRESHOLD)
        if rating <= limit:
            low.append({"key": question.key, "rating": rating})
    return low


@transaction.atomic
def response_record(*, ticket, actor, channel, answers, comment="", complete=True):
    """Store the survey answered for ``ticket`` (one per ticket) under the active template
    for its service type: one ``SurveyAnswer`` per answered question, the channel (call or
    link) and who recorded it; a ``survey`` timeline event and the audit event; a low score
    opens the follow-up task. ``complete=False`` accepts the overall score alone (the
    one-score follow-up of older clients). The lifecycle's ``ticket_follow_up`` calls this
    and keeps ``response.overall`` as the ticket's follow-up satisfaction."""
    role_require(actor, *RESPONSE_WRITERS, message=_("Your role may not record surveys."))
    # One response per ticket: a second submission waits here, then is refused.
    Ticket.objects.select_for_update().filter(pk=ticket.pk).values_list("pk").first()
    if SurveyResponse.objects.filter(ticket_id=ticket.pk).exists():
        raise InvalidTransition(
            _("This ticket's survey is already answered."),
            extra={"status": ticket.status, "action": "survey"},
        )
    template = template_for(ticket)
    rows = answers_clean(template, answers, complete=complete)
    overall = next(r[1] for r in rows if r[0].key == OVERALL)
    comment = (comment or "").strip()[:TEXT_MAX]
    response = SurveyResponse.objects.create(
        ticket_id=ticket.pk,
        template=template,
        channel=channel,
        recorded_by=acting_user(actor),
        overall=overall,
        comment=comment,
    )
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(response=response, question=q, rating=rating, yes=yes, text=text)
        for q, rating, yes, text in rows
    )
    scores = {q.key: rating for q, rating, _y, _t in rows if rating is not None}
    TicketEvent.objects.create(
        ticket_id=ticket.pk,
        kind=EventKind.SURVEY,
        action="survey_response",
        actor=acting_user(actor),
        created_at=response.created_at,
        payload={
            "response": response.pk,
            "template": template.code,
            "version": template.version,
            "channel": channel,
            "scores": scores,
        },
    )
    audit_record(
        actor=actor,
        action="survey.response_recorded",
        obj=response,
        ticket=ticket,
        changes={
            "template": f"{template.code} v{template.version}",
            "channel": channel,
            "scores": scores,
        },
    )
    low = low_answers(rows)
    if low:
        task_open(response=response, ticket=ticket, low=low)
    return response


# --- Low-score follow-up tasks ------------------------------------------------------------------


def _assignee():
    username = settings.SURVEY_FOLLOW_UP_ASSIGNEE
    if not username:
        return None
    return get_user_model().objects.filter(username=username, is_active=True).first()


def _supervisors():
    return list(
        get_user_model().objects.filter(groups__name=Role.SUPERVISOR, is_active=True).distinct()
    )


@transaction.atomic
def task_open(*, response, ticket, low):
    """Open the follow-up task of a low-scored response (once per response: a second
    call returns the task already open). Assigned to ``SURVEY_FOLLOW_UP_ASSIGNEE`` when
    set, else to the supervisors' queue; they are told (``low_score_follow_up``)."""
    task, created = SurveyFollowUpTask.objects.get_or_create(
        response=response,
        defaults={"ticket_id": ticket.pk, "low_answers": low, "assignee": _assignee()},
    )
    if not created:
        return task
    TicketEvent.objects.create(
        ticket_id=ticket.pk,
        kind=EventKind.SURVEY,
        action="survey_task_opened",
        created_at=task.opened_at,
        payload={"task": task.pk, "low": low},
    )
    audit_record(
        actor=None,
        action="survey.task_opened",
        obj=task,
        ticket=ticket,
        changes={"low": low, "assignee": task.assignee_id},
    )
    recipients = [task.assignee] if task.assignee else _supervisors()
    notify(
        kind=NotificationKind.LOW_SCORE_FOLLOW_UP,
        recipients=recipients,
        context={
            "number": ticket.number,
            "scores": ", ".join(f"{item['key']} {item['rating']}" for item in low),
        },
        ticket=ticket,
        dedupe_key=f"survey-task:{task.pk}",
    )
    return task


@transaction.atomic
def task_close(*, task, actor, note, expected_version=None):
    """Close a follow-up task with what was done (the call back, the visit redone …)."""
    role_require(actor, *TASK_WRITERS, message=_("Your role may not close survey tasks."))
    task = SurveyFollowUpTask.objects.select_for_update().get(pk=task.pk)
    if expected_version is not None and task.version != expected_version:
        raise StaleVersion(
            _("Someone else changed this task; reload it."), extra={"version": task.version}
        )
    if task.status != TaskStatus.OPEN:
        raise InvalidTransition(
            _("This task is already closed."), extra={"status": task.status, "action": "close"}
        )
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Write down what was done.")]})
    if len(note) > TEXT_MAX:
        raise ValidationError({"note": [_("Write at most %(n)s characters.") % {"n": TEXT_MAX}]})
    now = timezone.now()
    task.status = TaskStatus.CLOSED
    task.closed_at = now
    task.closed_by = acting_user(actor)
    task.note = note
    task.version += 1
    task.save(update_fields=["status", "closed_at", "closed_by", "note", "version"])
    TicketEvent.objects.create(
        ticket_id=task.ticket_id,
        kind=EventKind.SURVEY,
        action="survey_task_closed",
        actor=acting_user(actor),
        created_at=now,
        payload={"task": task.pk, "note": note},
    )
    audit_record(
        actor=actor,
        action="survey.task_closed",
        obj=task,
        ticket=task.ticket,
        changes={"status": [TaskStatus.OPEN, TaskStatus.CLOSED], "note": note},
    )
    return task
