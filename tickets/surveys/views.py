"""The survey pages: the results over a period (per question, per technician, area and
product model, ``?export=csv``) for supervisors, auditors and managers, and the queue of
follow-up tasks low scores opened, each closed with a note of what was done.

Figures come from ``tickets.surveys.selectors`` (the same call as the API); every write
goes through ``tickets.surveys.services``."""

import csv
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.exceptions import ApplicationError
from aftersales.periods import PeriodForm, PeriodPreset
from aftersales.roles import has_role

from . import services
from .choices import TaskStatus
from .forms import TaskCloseForm
from .selectors import (
    BREAKDOWNS,
    RESULT_READERS,
    TASK_READERS,
    day_bounds,
    no_group_label,
    survey_results,
    tasks_visible_to,
)
from .services import TASK_WRITERS

TASK_PAGE_SIZE = 50


def role_required(*roles):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


class SurveyPeriodForm(PeriodForm):
    presets = PeriodPreset.choices_of(
        PeriodPreset.THIS_MONTH,
        PeriodPreset.LAST_MONTH,
        PeriodPreset.THIS_QUARTER,
        PeriodPreset.LAST_QUARTER,
        PeriodPreset.THIS_YEAR,
        PeriodPreset.CUSTOM,
    )


def breakdown_titles():
    return {
        "technician": _("By technician"),
        "area": _("By area"),
        "product_model": _("By product model"),
    }


def _labelled(results):
    for name in BREAKDOWNS:
        for row in results["by"][name]:
            if row["id"] is None or not row["label"]:
                row["label"] = no_group_label(name) if row["id"] is None else str(row["id"])
            row["cells"] = [row["averages"].get(key) for key in results["keys"]]
    return results


def _query(data, **extra):
    query = QueryDict(mutable=True)
    query["period"] = data["period"]
    if data["period"] == PeriodPreset.CUSTOM:
        query["first"], query["last"] = data["first"].isoformat(), data["last"].isoformat()
    for name, value in extra.items():
        query[name] = value
    return query


@role_required(*RESULT_READERS)
def survey_results_page(request):
    """The survey results of the period: tiles of the average per question, then a table
    per breakdown (responses, the average of each question). A refused period is 400."""
    form = SurveyPeriodForm(request.GET, grouping=False)
    context = {"form": form}
    status = 200
    if form.valid():
        data = form.cleaned_data
        start, end = day_bounds(data["first"], data["last"])
        results = _labelled(survey_results(start=start, end=end))
        if request.GET.get("export") == "csv":
            return _csv(results, data)
        titles = breakdown_titles()
        context.update(
            results=results,
            first=data["first"],
            last=data["last"],
            tables=[
                {"name": name, "title": titles[name], "rows": results["by"][name]}
                for name in BREAKDOWNS
            ],
            csv_url="?" + _query(data, export="csv").urlencode(),
        )
    else:
        status = 400
    return render(request, "surveys/results.html", context, status=status)


def _csv(results, data):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"survey-results-{data['first']:%Y%m%d}-{data['last']:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # Excel opens UTF-8 (Chinese names) only with the BOM
    writer = csv.writer(response)
    labels = [q["label"] for q in results["questions"]]
    writer.writerow([_("Breakdown"), _("Name"), _("Responses"), *labels])
    writer.writerow(
        [_("All"), _("All"), results["responses"], *(q["average"] for q in results["questions"])]
    )
    titles = breakdown_titles()
    for name in BREAKDOWNS:
        for row in results["by"][name]:
            writer.writerow(
                [
                    titles[name],
                    row["label"],
                    row["count"],
                    *("" if c is None else c for c in row["cells"]),
                ]
            )
    return response


@role_required(*TASK_READERS)
def survey_task_list_page(request):
    """The follow-up tasks low scores opened: the open ones first (``?status=closed`` for
    the closed), each with its scores, and, for the desk, the form that closes it."""
    status = request.GET.get("status") or TaskStatus.OPEN
    if status not in TaskStatus.values:
        status = TaskStatus.OPEN
    tasks = list(
        tasks_visible_to(request.user)
        .filter(status=status)
        .order_by("-opened_at", "-id")[:TASK_PAGE_SIZE]
    )
    can_close = has_role(request.user, *TASK_WRITERS)
    return render(
        request,
        "surveys/tasks.html",
        {
            "tasks": tasks,
            "status": status,
            "statuses": TaskStatus.choices,
            "can_close": can_close,
            "show_results": has_role(request.user, *RESULT_READERS),
            "close_form": TaskCloseForm() if can_close else None,
        },
    )


@require_POST
@role_required(*TASK_WRITERS)
def survey_task_close(request, pk):
    """Close one task with the note of what was done; a refusal goes back to the queue
    with its message."""
    task = get_object_or_404(tasks_visible_to(request.user), pk=pk)
    form = TaskCloseForm(request.POST)
    if form.is_valid():
        try:
            services.task_close(
                task=task,
                actor=request.user,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except ApplicationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("Follow-up on %(number)s closed.") % {"number": task.ticket.number}
            )
    else:
        messages.error(request, _("Write down what was done."))
    return redirect("survey-task-list-page")
