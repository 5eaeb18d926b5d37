"""The settlement pages: the statements list with its filters, the build form, and the
review page (totals, lines with a pager, submit/approve/return, exports).

Each write is a form posted to its own URL calling one service of ``services`` (which
checks the role and the state and audits); valid, it redirects to the review page;
refused, the page comes back with the message and the input kept (400/403/409).
"""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.exceptions import ApplicationError
from aftersales.roles import Role, has_role
from tickets.forms import add_service_errors
from tickets.views.common import role_required

from . import services
from .choices import REBUILDABLE, StatementStatus
from .exports import EXPORT_FORMATS, statement_export_response
from .forms import StatementBuildForm, StatementFilterForm, StatementReviewForm
from .selectors import (
    STATEMENT_CLERKS,
    STATEMENT_VIEWERS,
    statement_filter,
    statement_lines,
    statement_list,
)

STATEMENTS_PER_PAGE = 50
# A bounded render: a month of 5,000 jobs is read 100 lines a page.
LINES_PER_PAGE = 100


def _statement(request, pk):
    statement = statement_list(user=request.user).filter(pk=pk).first()
    if statement is None:
        raise Http404
    return statement


@require_GET
@role_required(*STATEMENT_VIEWERS)
def statement_list_page(request):
    form = StatementFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = statement_filter(statement_list(user=request.user), **filters)
    page = Paginator(qs, STATEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "settlement/list.html",
        {
            "filter_form": form,
            "page": page,
            "query": query.urlencode(),
            "can_build": has_role(request.user, *STATEMENT_CLERKS),
        },
        status=200 if form.is_bound is False or form.is_valid() else 400,
    )


def _render_build(request, form, status=200):
    return render(request, "settlement/build.html", {"form": form}, status=status)


@role_required(*STATEMENT_CLERKS)
def statement_build_page(request):
    """GET: the form (outlet, month: last month by default). POST: build or rebuild."""
    if request.method != "POST":
        last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(
            day=1
        )
        initial = {"month": last_month, "outlet": request.GET.get("outlet") or None}
        return _render_build(request, StatementBuildForm(initial=initial))
    form = StatementBuildForm(request.POST)
    if not form.is_valid():
        return _render_build(request, form, status=400)
    try:
        statement = services.statement_build(
            outlet=form.cleaned_data["outlet"],
            month=form.cleaned_data["month"],
            actor=request.user,
            expected_version=form.cleaned_data.get("version"),
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render_build(request, form, status=400)
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return _render_build(request, form, status=exc.status)
    messages.success(
        request,
        _("Statement built: %(count)s signed work orders.") % {"count": statement.job_count},
    )
    return redirect("settlement-statement-page", pk=statement.pk)


def _render_statement(request, statement, *, review_form=None, error=None, status=200):
    page = Paginator(statement_lines(statement=statement), LINES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    clerk = has_role(request.user, *STATEMENT_CLERKS)
    submitted = statement.status == StatementStatus.SUBMITTED
    return render(
        request,
        "settlement/statement.html",
        {
            "statement": statement,
            "page": page,
            "error": error,
            "can_rebuild": clerk and statement.status in REBUILDABLE,
            "can_submit": clerk and statement.status in REBUILDABLE,
            "can_review": clerk and submitted and statement.submitted_by_id != request.user.pk,
            "awaiting_other": clerk and submitted and statement.submitted_by_id == request.user.pk,
            "review_form": review_form
            or StatementReviewForm(initial={"version": statement.version}),
            "formats": EXPORT_FORMATS,
            # The ticket page is the desk's and auditors'; others read the line alone.
            "link_tickets": has_role(request.user, Role.SUPERVISOR, Role.AUDITOR),
        },
        status=status,
    )


@require_GET
@role_required(*STATEMENT_VIEWERS)
def statement_page(request, pk):
    return _render_statement(request, _statement(request, pk))


@require_POST
@role_required(*STATEMENT_CLERKS)
def statement_submit_page(request, pk):
    statement = _statement(request, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        services.statement_submit(statement=statement, actor=request.user, expected_version=version)
    except ApplicationError as exc:
        return _render_statement(request, statement, error=exc.message, status=exc.status)
    messages.success(request, _("The statement is submitted for review."))
    return redirect("settlement-statement-page", pk=statement.pk)


@require_POST
@role_required(*STATEMENT_CLERKS)
def statement_review_page(request, pk, decision):
    """``decision``: approve or return, from the same form (its two buttons)."""
    statement = _statement(request, pk)
    form = StatementReviewForm(request.POST)
    if not form.is_valid():
        return _render_statement(request, statement, review_form=form, status=400)
    service = services.statement_approve if decision == "approve" else services.statement_return
    try:
        service(
            statement=statement,
            actor=request.user,
            comment=form.cleaned_data["comment"],
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render_statement(request, statement, review_form=form, status=400)
    except ApplicationError as exc:
        return _render_statement(
            request, statement, review_form=form, error=exc.message, status=exc.status
        )
    if decision == "approve":
        messages.success(request, _("The statement is approved and locked."))
    else:
        messages.success(request, _("The statement is returned with your comment."))
    return redirect("settlement-statement-page", pk=statement.pk)


@require_GET
@role_required(*STATEMENT_VIEWERS)
def statement_export_page(request, pk, fmt):
    if fmt not in EXPORT_FORMATS:
        raise Http404
    return statement_export_response(_statement(request, pk), fmt)
