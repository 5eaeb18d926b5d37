"""The auditors' quality-audit pages (监督审核): the list and the create form, an audit
with its sample and findings, a sampled ticket's checklist beside its record, a
corrective action (evidence from its owner, verification by someone else) and the
printable report.

Every write is a form posted to its own URL and one service of
``audits.quality.services`` (which checks the role, the state and writes the audit
event): valid, it redirects back; refused, the page comes back with the message beside
the form and the input kept (status 400/403/409, never a 500). The checklist form also
answers htmx with itself. Reads are the selectors' fixed number of queries.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect
from rest_framework.exceptions import NotFound

from aftersales.api.files import file_response
from aftersales.charts import Chart, Series
from aftersales.exceptions import ApplicationError
from aftersales.roles import Role, has_role
from aftersales.uploads import EVIDENCE, upload_handlers_for_page
from audits.choices import CorrectiveActionStatus, FindingStatus, QualityAuditStatus, Severity
from audits.models import AuditSample, QualityAudit
from tickets.forms import add_service_errors
from tickets.models import TicketAttachment
from tickets.presenters import timeline_entries
from tickets.selectors import ticket_events, ticket_list
from tickets.views.common import role_required

from .. import audit_forms as forms
from .. import services
from ..selectors import (
    audit_findings_page,
    audit_sample_neighbours,
    audit_samples_page,
    corrective_action_list,
    corrective_action_owner_choices,
    corrective_actions_for_page,
    quality_audit_page_list,
    quality_audit_report,
)

READERS = (Role.AUDITOR, Role.SUPERVISOR)
SAMPLES_PER_PAGE = 100


def _error(exc):
    return exc.message if isinstance(exc, ApplicationError) else str(exc)


# --- The list and the create form ----------------------------------------------------------


def _render_list(request, *, form=None, status=200):
    today = timezone.localdate()
    user = request.user
    return render(
        request,
        "quality/audits.html",
        {
            "audits": quality_audit_page_list(user=user, today=today),
            "mine": corrective_actions_for_page(user=user, owner=user),
            "overdue": corrective_actions_for_page(user=user, overdue_on=today),
            "form": form or forms.QualityAuditCreateForm(),
            "today": today,
        },
        status=status,
    )


@role_required(*READERS)
def quality_audit_list_page(request):
    """The audits, newest first, with their progress; the actions assigned to me and the
    overdue ones; the form that creates an audit and draws its sample."""
    return _render_list(request)


@require_POST
@role_required(*READERS)
def quality_audit_create_page(request):
    """Create an audit (``quality_audit_create``: the sample is drawn at once)."""
    form = forms.QualityAuditCreateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            audit = services.quality_audit_create(
                actor=request.user,
                title=data["title"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                sample_percent=data["sample_percent"],
                sample_min=data["sample_min"],
                seed=data["seed"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ApplicationError as exc:
            form.add_error(None, _error(exc))
        else:
            messages.success(
                request,
                _("Audit created: %(count)s tickets sampled.") % {"count": audit.samples.count()},
            )
            return redirect("quality-audit-detail-page", pk=audit.pk)
    return _render_list(request, form=form, status=400)


# --- One audit: its sample and its findings ------------------------------------------------


def _audit(pk):
    return get_object_or_404(QualityAudit.objects.select_related("created_by"), pk=pk)


def _render_audit(request, audit, *, finding_form=None, action_forms=None, error=None, status=200):
    today = timezone.localdate()
    page = Paginator(audit_samples_page(audit=audit), SAMPLES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    findings = audit_findings_page(audit=audit)
    owners = corrective_action_owner_choices()
    action_forms = action_forms or {}
    for finding in findings:
        finding.action_form = action_forms.get(finding.pk) or forms.CorrectiveActionForm(
            owners=owners, auto_id=f"id_action_{finding.pk}_%s"
        )
        finding.action_error = error if finding.pk in action_forms else None
    return render(
        request,
        "quality/audit_detail.html",
        {
            "audit": audit,
            "page": page,
            "findings": findings,
            "finding_form": finding_form or forms.FindingForm(auto_id="id_finding_%s"),
            "today": today,
            "is_open": audit.status == QualityAuditStatus.OPEN,
            "error": error if not action_forms else None,
        },
        status=status,
    )


@role_required(*READERS)
def quality_audit_detail_page(request, pk):
    """An audit: its sampling rule and seed, the sampled tickets (confirmed or not), the
    findings with their corrective actions (overdue ones marked) and their forms."""
    return _render_audit(request, _audit(pk))


@require_POST
@role_required(*READERS)
def quality_audit_close_page(request, pk):
    audit = _audit(pk)
    try:
        services.quality_audit_close(audit=audit, actor=request.user)
    except ApplicationError as exc:
        return _render_audit(request, audit, error=_error(exc), status=exc.status)
    messages.success(request, _("The audit is closed."))
    return redirect("quality-audit-detail-page", pk=audit.pk)


@require_POST
@role_required(*READERS)
def finding_open_page(request, pk):
    """Open a finding on the audit (from the audit page or a sample's page)."""
    audit = _audit(pk)
    sample = None
    if request.POST.get("sample"):
        sample = get_object_or_404(AuditSample, pk=request.POST["sample"], audit=audit)
    form = forms.FindingForm(request.POST, auto_id="id_finding_%s")
    error = None
    if form.is_valid():
        try:
            services.finding_open(
                audit=audit,
                actor=request.user,
                sample=sample,
                severity=form.cleaned_data["severity"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ApplicationError as exc:
            error = _error(exc)
        else:
            messages.success(request, _("Finding opened."))
            if sample:
                return redirect("audit-sample-page", pk=audit.pk, sample_pk=sample.pk)
            return redirect(reverse("quality-audit-detail-page", args=[audit.pk]) + "#findings")
    if sample:
        return _render_sample(request, sample, finding_form=form, error=error, status=400)
    return _render_audit(request, audit, finding_form=form, error=error, status=400)


@require_POST
@role_required(*READERS)
def corrective_action_create_page(request, pk, finding_pk):
    """Assign a corrective action on a finding (owner, what to do, due date)."""
    audit = _audit(pk)
    finding = get_object_or_404(audit.findings, pk=finding_pk)
    owners = corrective_action_owner_choices()
    form = forms.CorrectiveActionForm(
        request.POST, owners=owners, auto_id=f"id_action_{finding.pk}_%s"
    )
    error = None
    if form.is_valid():
        owner = get_user_model().objects.get(pk=form.cleaned_data["owner"])
        try:
            action = services.corrective_action_create(
                finding=finding,
                actor=request.user,
                owner=owner,
                description=form.cleaned_data["description"],
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ApplicationError as exc:
            error = _error(exc)
        else:
            messages.success(
                request,
                _("Corrective action assigned to %(owner)s.")
                % {"owner": owner.get_full_name() or owner.get_username()},
            )
            return redirect("corrective-action-page", pk=action.pk)
    return _render_audit(request, audit, action_forms={finding.pk: form}, error=error, status=400)


# --- A sampled ticket: its checklist beside its record -------------------------------------


def _sample(pk, sample_pk):
    return get_object_or_404(
        AuditSample.objects.select_related("audit", "technician", "confirmed_by"),
        pk=sample_pk,
        audit_id=pk,
    )


def _render_sample(
    request, sample, *, form=None, finding_form=None, error=None, status=200, fragment=False
):
    form = form or forms.ChecklistForm(sample=sample)
    if fragment:
        return render(
            request,
            "quality/_checklist.html",
            {"sample": sample, "form": form, "error": error, "audit": sample.audit},
            status=status,
        )
    ticket = get_object_or_404(ticket_list(user=request.user).with_product(), pk=sample.ticket_id)
    attachments = list(TicketAttachment.objects.of_ticket(ticket))
    previous, following = audit_sample_neighbours(sample=sample)
    return render(
        request,
        "quality/audit_sample.html",
        {
            "audit": sample.audit,
            "sample": sample,
            "ticket": ticket,
            "form": form,
            "error": error,
            "finding_form": finding_form or forms.FindingForm(auto_id="id_finding_%s"),
            "findings": list(sample.findings.order_by("-created_at", "-id")),
            "timeline": timeline_entries(ticket_events(ticket=ticket)),
            "attachments": {
                "photos": [a for a in attachments if a.is_photo],
                "documents": [a for a in attachments if not a.is_photo],
            },
            "previous": previous,
            "following": following,
            "is_open": sample.audit.status == QualityAuditStatus.OPEN,
        },
        status=status,
    )


@role_required(*READERS)
def audit_sample_page(request, pk, sample_pk):
    """The work page of one sampled ticket: the pre-filled checklist to confirm or correct,
    beside the ticket's record (service record, signature, parts, photos, timeline)."""
    return _render_sample(request, _sample(pk, sample_pk))


@require_POST
@role_required(*READERS)
def audit_sample_confirm_page(request, pk, sample_pk):
    """Confirm or correct the checklist (``audit_sample_confirm``)."""
    sample = _sample(pk, sample_pk)
    form = forms.ChecklistForm(request.POST, sample=sample)
    error = None
    if form.is_valid():
        try:
            services.audit_sample_confirm(
                sample=sample,
                actor=request.user,
                checks=form.checks(),
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ApplicationError as exc:
            error = _error(exc)
        else:
            messages.success(request, _("Checklist confirmed."))
            _previous, following = audit_sample_neighbours(sample=sample)
            target = (
                reverse("audit-sample-page", args=[pk, following])
                if following and request.POST.get("next") == "1"
                else reverse("audit-sample-page", args=[pk, sample.pk])
            )
            if request.htmx:
                return HttpResponseClientRedirect(target)
            return redirect(target)
    return _render_sample(
        request, sample, form=form, error=error, status=400, fragment=request.htmx
    )


# --- A corrective action: evidence, verification -------------------------------------------


def _action(request, pk):
    return get_object_or_404(
        corrective_action_list(user=request.user).select_related(
            "finding__audit", "finding__sample__ticket", "created_by"
        ),
        pk=pk,
    )


def _render_action(
    request, action, *, evidence_form=None, verify_form=None, error=None, status=200
):
    user = request.user
    is_owner = action.owner_id == user.pk
    verified = action.status == CorrectiveActionStatus.VERIFIED
    return render(
        request,
        "quality/corrective_action.html",
        {
            "action": action,
            "finding": action.finding,
            "audit": action.finding.audit,
            "is_owner": is_owner,
            "overdue": not verified and action.due_on < timezone.localdate(),
            "evidence_form": (evidence_form or forms.EvidenceForm(auto_id="id_evidence_%s"))
            if is_owner and not verified
            else None,
            "verify_form": (verify_form or forms.VerifyForm(auto_id="id_verify_%s"))
            if has_role(user, *READERS) and action.status == CorrectiveActionStatus.SUBMITTED
            else None,
            "error": error,
            "is_reader": has_role(user, *READERS),
            "evidence_name": action.evidence.name.rsplit("/", 1)[-1] if action.evidence else "",
        },
        status=status,
    )


@login_required
def corrective_action_page(request, pk):
    """One corrective action, for auditors, supervisors and its owner."""
    return _render_action(request, _action(request, pk))


@csrf_exempt
@require_POST
def corrective_action_evidence_page(request, pk):
    """The owner uploads the evidence (``corrective_action_submit``). A file over the
    limit is dropped while it streams and the form says so, the note kept; CSRF is
    checked once the upload handlers are in place."""
    upload_handlers_for_page(request, kind=EVIDENCE)
    return _evidence(request, pk)


@csrf_protect
@login_required
def _evidence(request, pk):
    action = _action(request, pk)
    form = forms.EvidenceForm(
        request.POST,
        request.FILES,
        refused="evidence" in getattr(request, "uploads_refused", ()),
        auto_id="id_evidence_%s",
    )
    error, status = None, 400
    if form.is_valid():
        try:
            services.corrective_action_submit(
                action=action,
                actor=request.user,
                evidence=form.cleaned_data["evidence"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ApplicationError as exc:
            error, status = _error(exc), exc.status
        else:
            messages.success(request, _("Evidence submitted: the action now awaits verification."))
            return redirect("corrective-action-page", pk=action.pk)
    return _render_action(request, action, evidence_form=form, error=error, status=status)


@require_POST
@role_required(*READERS)
def corrective_action_verify_page(request, pk):
    """Verify the action (``corrective_action_verify``: never by its owner)."""
    action = _action(request, pk)
    form = forms.VerifyForm(request.POST, auto_id="id_verify_%s")
    error, status = None, 400
    if form.is_valid():
        effective = form.cleaned_data["effective"] == "yes"
        try:
            services.corrective_action_verify(
                action=action,
                actor=request.user,
                effective=effective,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ApplicationError as exc:
            error, status = _error(exc), exc.status
            action = _action(request, pk)
        else:
            messages.success(
                request,
                _("Verified effective.") if effective else _("Sent back to the owner."),
            )
            return redirect("corrective-action-page", pk=action.pk)
    return _render_action(request, action, verify_form=form, error=error, status=status)


@require_GET
@login_required
def corrective_action_evidence_file(request, pk):
    """The evidence file, to whoever may see the action (404 otherwise)."""
    action = _action(request, pk)
    try:
        return file_response(action.evidence)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


# --- The report ----------------------------------------------------------------------------


@role_required(*READERS)
def quality_audit_report_page(request, pk):
    """The audit's report: conformance, checklist items found wrong, findings by severity
    and by technician (a chart and its table), every finding with its actions;
    printable."""
    audit = _audit(pk)
    report = quality_audit_report(audit=audit)
    severities = list(Severity)
    chart = Chart(
        id="findings-by-technician",
        title=_("Findings by technician and severity"),
        kind="stacked-bar",
        labels=[row["name"] or _("No technician") for row in report["by_technician"]],
        series=[
            Series(severity.label, [row[severity] for row in report["by_technician"]])
            for severity in severities
        ],
        label_heading=_("Technician"),
    )
    items = [
        (forms.CHECKLIST_LABELS[item], count) for item, count in report["failed_items"].items()
    ]
    return render(
        request,
        "quality/audit_report.html",
        {
            "audit": audit,
            "report": report,
            "severities": [(s.label, report["by_severity"][s]) for s in severities],
            "severity_codes": severities,
            "chart": chart,
            "items": items,
            "findings": audit_findings_page(audit=audit),
            "today": timezone.localdate(),
            "open_status": FindingStatus.OPEN,
        },
    )
