"""Reads of the satisfaction surveys: the results over a period (the average of each
rated question, and per technician, area and product model, with response counts: one
grouped query per table), the task queue and the templates."""

import datetime

from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.roles import Role, has_role

from .choices import QuestionKind, StandardQuestion, TaskStatus
from .models import SurveyAnswer, SurveyFollowUpTask, SurveyQuestion, SurveyResponse

RESULT_READERS = (Role.SUPERVISOR, Role.AUDITOR, Role.MANAGER)
TASK_READERS = (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.MANAGER)
#: The breakdowns of the results: name → (the id path, the label path) from an answer.
BREAKDOWNS = {
    "technician": ("response__ticket__technician_id", "response__ticket__technician__full_name"),
    "area": ("response__ticket__area_id", "response__ticket__area__name"),
    "product_model": (
        "response__ticket__product__model_id",
        "response__ticket__product__model__name",
    ),
}


def day_bounds(first, last):
    """[start, end) instants of the local days [first, last]."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time(), tzinfo=tz)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(), tzinfo=tz)
    return start, end


def _round(value):
    return None if value is None else round(float(value), 2)


def question_labels():
    """Question key → its label: the standard ones by name, others by their latest text."""
    labels = {}
    for key, text_en, text_zh in (
        SurveyQuestion.objects.filter(kind=QuestionKind.RATING)
        .order_by("key", "template__version", "template_id")
        .values_list("key", "text_en", "text_zh")
        .distinct()
    ):
        question = SurveyQuestion(text_en=text_en, text_zh=text_zh)
        labels[key] = question.text
    for key, label in StandardQuestion.choices:
        labels[key] = str(label)
    return labels


def _order(keys):
    standard = list(StandardQuestion.values)
    return sorted(keys, key=lambda k: (standard.index(k) if k in standard else 99, k))


def survey_results(*, start, end):
    """The rated answers of the responses given in [start, end).

    ``{"responses": n, "questions": [{key, label, count, average}],
    "by": {breakdown: [{id, label, count, averages: {key: average}}]}}`` where ``count``
    is the responses counted (a row's responses answering its overall question; a
    question's answers). Averages to two decimals, ``None`` without answers."""
    answers = SurveyAnswer.objects.filter(
        response__created_at__gte=start, response__created_at__lt=end, rating__isnull=False
    )
    labels = question_labels()
    per_question = {
        row["question__key"]: row
        for row in answers.values("question__key")
        .annotate(count=Count("id"), average=Avg("rating"))
        .order_by()
    }
    keys = _order(per_question)
    result = {
        "responses": SurveyResponse.objects.filter(
            created_at__gte=start, created_at__lt=end
        ).count(),
        "keys": keys,
        "questions": [
            {
                "key": key,
                "label": labels.get(key, key),
                "count": per_question[key]["count"],
                "average": _round(per_question[key]["average"]),
            }
            for key in keys
        ],
        "by": {},
    }
    for name, (id_path, label_path) in BREAKDOWNS.items():
        rows = {}
        for row in (
            answers.values(id_path, label_path, "question__key")
            .annotate(count=Count("id"), average=Avg("rating"))
            .order_by()
        ):
            entry = rows.setdefault(
                row[id_path],
                {"id": row[id_path], "label": row[label_path] or "", "count": 0, "averages": {}},
            )
            entry["averages"][row["question__key"]] = _round(row["average"])
            if row["question__key"] == StandardQuestion.OVERALL:
                entry["count"] = row["count"]
        result["by"][name] = sorted(
            rows.values(), key=lambda r: (r["id"] is None, -r["count"], r["label"])
        )
    return result


def no_group_label(breakdown):
    return {
        "technician": _("No technician"),
        "area": _("No area"),
        "product_model": _("No product model"),
    }[breakdown]


def tasks_visible_to(user):
    """The follow-up tasks ``user`` may see: the desk, supervisors, auditors, managers."""
    tasks = SurveyFollowUpTask.objects.select_related("ticket", "assignee", "closed_by", "response")
    if user is None or has_role(user, *TASK_READERS):
        return tasks
    return tasks.none()


def tasks_open():
    return SurveyFollowUpTask.objects.filter(status=TaskStatus.OPEN)
