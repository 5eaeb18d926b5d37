"""The costs pages (费用管理): the cost report with its chart and CSV, budget against
actual, and expense claims — filed on the phone, decided step by step on the desktop.

Every figure comes from ``tickets.costs.selectors`` (the same calls as the API); every
write goes through ``tickets.costs.services``.
"""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound

from aftersales.api.files import file_response
from aftersales.charts import Chart, Series
from aftersales.exceptions import ApplicationError
from aftersales.roles import Role, has_role, roles_of
from tickets.views.common import role_required

from . import services
from .choices import ClaimStatus, CostGrouping
from .forms import ClaimDecisionForm, CostPeriodForm, ExpenseClaimForm, Period
from .selectors import (
    COST_READERS,
    budget_vs_actual,
    cost_report,
    day_bounds,
    expense_claims_awaiting,
    expense_claims_visible_to,
)

CLAIM_USERS = (*COST_READERS, Role.TECHNICIAN)
APPROVERS = (Role.SUPERVISOR, Role.FINANCE, Role.MANAGER)
FIGURES = ("labour", "parts", "travel", "outsourcing", "total", "per_ticket")
# A chart of 2,000 product models is a smear: it draws the table's first rows.
CHART_ROWS = 15


def _figure_headers():
    return [
        _("Tickets"),
        _("Labour"),
        _("Materials and parts"),
        _("Travel and expenses"),
        _("Outsourcing"),
        _("Total cost"),
        _("Cost per ticket"),
    ]


def _no_group(group_by):
    return {
        CostGrouping.CATEGORY: _("No service type"),
        CostGrouping.PRODUCT_CATEGORY: _("No product category"),
        CostGrouping.AREA: _("No area"),
        CostGrouping.PRODUCT_MODEL: _("No product model"),
        CostGrouping.WARRANTY: _("No warranty decision"),
        CostGrouping.OUTLET: _("The centre's own technicians"),
    }[group_by]


def _query(data, **extra):
    query = QueryDict(mutable=True)
    query["period"] = data["period"]
    if data["period"] == Period.CUSTOM:
        query["first"], query["last"] = data["first"].isoformat(), data["last"].isoformat()
    for name, value in extra.items():
        query[name] = value
    return query


@role_required(*COST_READERS)
def cost_report_page(request):
    """The cost of the tickets completed in the period, grouped as chosen: a table (per
    group: tickets, each component, total, cost per ticket), tiles of the totals, a
    stacked chart of the components, ``?export=csv``. A refused period answers 400."""
    form = CostPeriodForm(request.GET)
    context = {"form": form}
    status = 200
    if form.valid():
        data = form.cleaned_data
        group_by = CostGrouping(data["group_by"])
        start, end = day_bounds(data["first"], data["last"])
        report = cost_report(start=start, end=end, group_by=group_by)
        for row in report["rows"]:
            if row["key"] is None or not row["label"]:
                row["label"] = _no_group(group_by) if row["key"] is None else str(row["key"])
        if request.GET.get("export") == "csv":
            return _csv(report, group_by, data)
        query = _query(data, group_by=group_by.value)
        csv_url = "?" + _query(data, group_by=group_by.value, export="csv").urlencode()
        shown = report["rows"][:CHART_ROWS]
        chart = Chart(
            id="cost-components",
            title=_("Cost by component"),
            kind="stacked-bar",
            labels=[row["label"] for row in shown],
            series=[
                Series(_("Labour"), [float(r["labour"]) for r in shown]),
                Series(_("Materials and parts"), [float(r["parts"]) for r in shown]),
                Series(_("Travel and expenses"), [float(r["travel"]) for r in shown]),
                Series(_("Outsourcing"), [float(r["outsourcing"]) for r in shown]),
            ],
            label_heading=group_by.label,
            caption=(
                _("The first %(count)s of %(total)s rows.")
                % {"count": CHART_ROWS, "total": len(report["rows"])}
                if len(report["rows"]) > CHART_ROWS
                else ""
            ),
            csv_url=csv_url,
        )
        context.update(
            report=report,
            group_label=group_by.label,
            headers=_figure_headers(),
            first=data["first"],
            last=data["last"],
            chart=chart,
            csv_url=csv_url,
            budget_url="?" + _query(data).urlencode(),
            query=query.urlencode(),
        )
    else:
        status = 400
    return render(request, "costs/report.html", context, status=status)


def _csv(report, group_by, data):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"costs-{group_by.value}-{data['first']:%Y%m%d}-{data['last']:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # Excel opens UTF-8 (Chinese names) only with the BOM
    writer = csv.writer(response)
    writer.writerow([group_by.label, *_figure_headers()])
    for row in report["rows"]:
        writer.writerow([row["label"], row["tickets"], *(row[f] for f in FIGURES)])
    totals = report["totals"]
    writer.writerow([_("Total"), totals["tickets"], *(totals[f] for f in FIGURES)])
    return response


@role_required(*COST_READERS)
def budget_page(request):
    """Budget against actual per area and cost kind for the period; over-budget rows are
    marked in words. Budgets are set in the admin or through the API."""
    form = CostPeriodForm(request.GET, grouping=False)
    context = {"form": form}
    status = 200
    if form.valid():
        data = form.cleaned_data
        start, end = day_bounds(data["first"], data["last"])
        result = budget_vs_actual(first=data["first"], last=data["last"], start=start, end=end)
        for row in result["rows"]:
            if row["area"] is None:
                row["area_label"] = _("Centre-wide (no area)")
        context.update(
            result=result,
            first=data["first"],
            last=data["last"],
            report_url="?" + _query(data).urlencode(),
            totals=[result["totals"][kind] for kind in result["totals"]],
        )
    else:
        status = 400
    return render(request, "costs/budgets.html", context, status=status)


@role_required(*CLAIM_USERS)
def claim_list_page(request):
    """A technician's own claims (and the button to file one); for approvers the claims
    waiting for their step, then the latest claims of everyone."""
    user = request.user
    context = {
        "is_technician": Role.TECHNICIAN in roles_of(user),
        "awaiting": [],
    }
    if has_role(user, *APPROVERS):
        context["awaiting"] = list(expense_claims_awaiting(user)[:100])
    context["claims"] = list(expense_claims_visible_to(user)[:50])
    return render(request, "costs/claims.html", context)


@role_required(Role.TECHNICIAN)
def claim_new_page(request):
    """The phone form: a photo of the receipt, the amount, the date, optionally the job."""
    technician = getattr(request.user, "technician", None)
    if technician is None:
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = ExpenseClaimForm(request.POST, request.FILES, technician=technician)
        if form.is_valid():
            try:
                claim = services.expense_claim_file(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Claim %(number)s filed: it waits for approval.") % {"number": claim.number},
                )
                return redirect("expense-claim-page", pk=claim.pk)
        status = 400
    else:
        form = ExpenseClaimForm(technician=technician)
    return render(request, "costs/claim_new.html", {"form": form}, status=status)


def _add_errors(form, exc):
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _visible_claim(request, pk):
    claim = expense_claims_visible_to(request.user).filter(pk=pk).first()
    if claim is None:
        raise Http404
    return claim


@role_required(*CLAIM_USERS)
def claim_page(request, pk):
    """One claim: its receipt, its chain step by step, and for the approver of the waiting
    step the approve and reject buttons (a POST with ``decision``)."""
    claim = _visible_claim(request, pk)
    may_decide = (
        claim.status == ClaimStatus.PENDING
        and claim.claimant_id != request.user.pk
        and has_role(request.user, claim.waiting_role)
        and not claim.approvals.filter(actor=request.user).exists()
    )
    status = 200
    form = ClaimDecisionForm(initial={"version": claim.version})
    if request.method == "POST":
        form = ClaimDecisionForm(request.POST)
        decision = request.POST.get("decision")
        service = {
            "approve": services.expense_claim_approve,
            "reject": services.expense_claim_reject,
        }.get(decision)
        if service is not None and form.is_valid():
            try:
                service(
                    claim=claim,
                    actor=request.user,
                    comment=form.cleaned_data["comment"],
                    version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                done = (
                    _("Claim approved at your step.")
                    if decision == "approve"
                    else _("Claim rejected.")
                )
                messages.success(request, done)
                return redirect("expense-claim-list-page")
        elif service is None:
            form.add_error(None, _("Choose approve or reject."))
        status = 400
    steps = []
    decisions = {a.step: a for a in claim.approvals.select_related("actor")}
    for index, role in enumerate(claim.steps):
        steps.append(
            {
                "number": index + 1,
                "role": Role(role).label if role in Role.values else role,
                "decision": decisions.get(index),
                "waiting": claim.status == ClaimStatus.PENDING and index == claim.current_step,
            }
        )
    context = {"claim": claim, "steps": steps, "may_decide": may_decide, "form": form}
    return render(request, "costs/claim.html", context, status=status)


@role_required(*CLAIM_USERS)
def claim_receipt(request, pk):
    """The receipt file, for whoever may see the claim (never under MEDIA_URL)."""
    claim = _visible_claim(request, pk)
    try:
        response = file_response(claim.receipt)
    except NotFound as exc:
        raise Http404 from exc
    if request.GET.get("inline") and claim.receipt_content_type.startswith("image/"):
        response["Content-Disposition"] = "inline"
    return response
