"""The target pages: the list of sets, the draft editor (lines and break-downs), submit /
approve / return / revise / evaluate on the set's page, the live progress, the frozen
results with links to their findings, and the public commitments page (no login).

Every figure comes from ``audits.targets.selectors``; every write goes through
``audits.targets.services``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import ApplicationError
from aftersales.roles import Role, has_role
from tickets.views.common import role_required

from . import services
from .choices import Outcome
from .forms import ReturnForm, TargetSetHeadForm, breakdown_forms, line_forms, lines_from
from .selectors import (
    READERS,
    current_sets,
    progress_counts,
    public_commitments,
    target_progress,
    target_results,
    target_set_detail,
    target_set_list,
)

LIST_LIMIT = 60


def _messages_of(error):
    if hasattr(error, "message_dict"):
        return [message for messages_ in error.message_dict.values() for message in messages_]
    return list(error.messages)


def _detail_or_404(pk):
    try:
        return target_set_detail(pk)
    except services.TargetSet.DoesNotExist:
        raise Http404 from None


@role_required(*READERS)
def target_set_list_page(request):
    """The sets, newest period first (one query), and the sets in force today."""
    sets = list(target_set_list()[:LIST_LIMIT])
    return render(
        request,
        "targets/list.html",
        {
            "sets": sets,
            "current": list(current_sets()),
            "may_draft": has_role(request.user, Role.SUPERVISOR),
        },
    )


def _editor(request, target_set=None):
    data = request.POST if request.method == "POST" else None
    lines, parts = line_forms(data, target_set=target_set)
    return lines, breakdown_forms(data, initial=parts)


def _save(request, lines, parts, save):
    """Validate the editor's forms and call ``save(lines)``; the error list or None."""
    if not all(form.is_valid() for form in (*lines, *parts)):
        return [_("Check the highlighted fields.")]
    chosen = lines_from(lines, parts)
    if chosen is None:
        return [_("Check the highlighted fields.")]
    try:
        save(chosen)
    except ValidationError as error:
        return _messages_of(error)
    except ApplicationError as error:
        return [str(error)]
    return None


@role_required(Role.SUPERVISOR)
def target_set_new_page(request):
    """Draft a target set: the period, a row per metric, break-downs per area or outlet."""
    head = TargetSetHeadForm(request.POST or None, initial={"period_kind": "month"})
    lines, parts = _editor(request)
    errors = []
    if request.method == "POST" and head.is_valid():
        created = {}

        def save(chosen):
            created["set"] = services.target_set_create(
                actor=request.user,
                period_kind=head.cleaned_data["period_kind"],
                period_start=head.cleaned_data["period_start"],
                note=head.cleaned_data["note"],
                lines=chosen,
            )

        errors = _save(request, lines, parts, save)
        if errors is None:
            target_set = created["set"]
            if request.POST.get("submit"):
                return _submit(request, target_set)
            messages.success(request, _("The draft is saved."))
            return redirect("target-set-page", pk=target_set.pk)
    elif request.method == "POST":
        errors = [_("Check the highlighted fields.")]
    return render(
        request,
        "targets/editor.html",
        {"head": head, "lines": lines, "parts": parts, "errors": errors, "target_set": None},
    )


def _submit(request, target_set):
    try:
        services.target_set_submit(target_set=target_set, actor=request.user)
    except (ValidationError, ApplicationError) as error:
        for message in _messages_of(error) if isinstance(error, ValidationError) else [error]:
            messages.error(request, str(message))
    else:
        messages.success(request, _("The targets are submitted to the managers for approval."))
    return redirect("target-set-page", pk=target_set.pk)


@role_required(*READERS)
def target_set_page(request, pk):
    """A set: its lines and break-downs; the editor while it is a draft (supervisors);
    approve or return (managers) once submitted; revise and evaluate once approved; the
    results of the evaluation with links to their findings."""
    target_set = _detail_or_404(pk)
    user = request.user
    supervisor, manager = has_role(user, Role.SUPERVISOR), has_role(user, Role.MANAGER)
    editing = target_set.editable and supervisor
    lines = parts = None
    errors = []
    return_form = ReturnForm(request.POST if request.POST.get("action") == "return" else None)
    if editing:
        lines, parts = _editor(request, target_set)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("save", "submit") and editing:

                def save(chosen):
                    services.target_set_lines_save(
                        target_set=target_set,
                        actor=user,
                        lines=chosen,
                        note=request.POST.get("note", target_set.note),
                    )

                errors = _save(request, lines, parts, save)
                if errors is None:
                    if action == "submit":
                        return _submit(request, target_set)
                    messages.success(request, _("The draft is saved."))
                    return redirect("target-set-page", pk=pk)
            elif action == "approve" and manager:
                services.target_set_approve(target_set=target_set, actor=user)
                messages.success(request, _("The targets are approved."))
                return redirect("target-set-page", pk=pk)
            elif action == "return" and manager:
                if return_form.is_valid():
                    services.target_set_return(
                        target_set=target_set, actor=user, reason=return_form.cleaned_data["reason"]
                    )
                    messages.success(request, _("The targets went back to the supervisors."))
                    return redirect("target-set-page", pk=pk)
            elif action == "revise" and supervisor:
                revision = services.target_set_revise(target_set=target_set, actor=user)
                messages.success(request, _("A revision is drafted."))
                return redirect("target-set-page", pk=revision.pk)
            elif action == "evaluate" and supervisor:
                services.target_set_evaluate(target_set=target_set, actor=user)
                messages.success(request, _("The period is evaluated."))
                return redirect("target-set-page", pk=pk)
            else:
                raise PermissionDenied
        except ValidationError as error:
            errors = _messages_of(error)
        except ApplicationError as error:
            errors = [str(error)]
    results = list(target_results(target_set=target_set)) if target_set.evaluated_at else []
    today = timezone.localdate()
    return render(
        request,
        "targets/set.html",
        {
            "target_set": target_set,
            "editing": editing,
            "lines": lines,
            "parts": parts,
            "errors": errors,
            "may_decide": manager and target_set.status == "submitted",
            "return_form": return_form,
            "may_revise": supervisor and target_set.status == "approved" and not results,
            "may_evaluate": supervisor
            and target_set.status == "approved"
            and target_set.evaluated_at is None
            and target_set.period_end < today,
            "results": results,
            "missed": sum(result.outcome == Outcome.MISSED for result in results),
        },
    )


@role_required(*READERS)
def target_progress_page(request, pk):
    """Each target overall and per area and outlet, live from the KPI report: the actual so
    far, the target, met / at risk / missed with the sample size, a bar."""
    target_set = _detail_or_404(pk)
    progress = target_progress(target_set=target_set)
    return render(
        request,
        "targets/progress.html",
        {"target_set": target_set, "progress": progress, "counts": progress_counts(progress)},
    )


def public_commitments_page(request):
    """The service commitments in the customers' words (no login): the overall targets of
    the approved sets in force today, and the last evaluated period's results. Nothing per
    area or outlet."""
    return render(request, "targets/public.html", public_commitments())
