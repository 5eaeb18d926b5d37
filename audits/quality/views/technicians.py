"""Technicians for supervisors (issue 14): the roster and a technician's page.

The roster shows each technician's certificate state, training hours against the
thresholds, absences and today's load, filtered by area, outlet or certificate. A
technician's page holds their certificates (upload a scan, revoke with a reason), training
records (add one), absences (record one; the booked jobs it hits are listed with a
one-click move through ``ticket_reschedule``) and their KPI figures over a chosen period
with a weekly trend.

Supervisors change things; auditors read. Every write goes through a service
(``technicians.services``, ``tickets.services``), which checks the role again and writes
its audit event. Every form posts and redirects, so the pages work without JavaScript;
htmx swaps the roster's rows in place when a filter changes.
"""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from aftersales.charts import Chart, Series
from aftersales.dates import local_day_bounds
from aftersales.exceptions import ApplicationError
from aftersales.roles import Role, has_role
from aftersales.uploads import (
    CERTIFICATE_DOCUMENT,
    size_label,
    stored_file_type,
    upload_handlers_for_page,
)
from technicians import roster, services
from technicians.choices import reason_label
from technicians.models import Certification
from technicians.selectors import technician_list
from tickets import services as ticket_services
from tickets.forms import add_service_errors
from tickets.models import Ticket
from tickets.views.common import role_required

from ..performance import technician_kpi_weeks
from ..technician_forms import (
    PERIOD_PRESETS,
    AbsenceForm,
    MoveJobForm,
    PeriodForm,
    RevokeForm,
    RosterFilterForm,
    ScanForm,
    TrainingRecordForm,
)

READERS = (Role.SUPERVISOR, Role.AUDITOR)


def _thresholds():
    return {
        "theory": _hours(settings.TRAINING_MIN_THEORY_HOURS),
        "practical": _hours(settings.TRAINING_MIN_PRACTICAL_HOURS),
    }


def _manages(user):
    return has_role(user, Role.SUPERVISOR)


# --- The roster ---------------------------------------------------------------------------------


ROSTER_PAGE_SIZE = 200


def _roster_text(row, thresholds):
    """The row's phrases, composed once here rather than by template tags per row."""
    counts = row.certificates
    parts = []
    for status, phrase in (
        ("valid", ngettext("%(n)s valid", "%(n)s valid", counts.get("valid", 0))),
        ("expiring", ngettext("%(n)s expiring", "%(n)s expiring", counts.get("expiring", 0))),
        ("expired", ngettext("%(n)s expired", "%(n)s expired", counts.get("expired", 0))),
        ("revoked", ngettext("%(n)s revoked", "%(n)s revoked", counts.get("revoked", 0))),
    ):
        if counts.get(status):
            parts.append(phrase % {"n": counts[status]})
    row.state = roster.certificate_state(counts)
    row.state_text = {
        "valid": _("Valid"),
        "expiring": _("Expiring"),
    }.get(row.state, _("None valid"))
    row.certificates_text = " ".join(parts)
    row.areas_text = ", ".join(area.name for area in row.technician.areas.all())
    row.hours_text = " · ".join(
        (
            _("theory %(hours)s / %(needed)s h")
            % {"hours": _hours(row.training["theory_hours"]), "needed": thresholds["theory"]},
            _("practice %(hours)s / %(needed)s h")
            % {
                "hours": _hours(row.training["practical_hours"]),
                "needed": thresholds["practical"],
            },
        )
    )
    absence = row.absence
    if absence is not None:
        row.absence_kind = absence.get_kind_display()
        if row.absent_today:
            row.absence_text = _("to %(date)s") % {
                "date": date_format(absence.ends_on, "SHORT_DATE_FORMAT")
            }
        else:
            row.absence_text = _("%(start)s to %(end)s") % {
                "start": date_format(absence.starts_on, "SHORT_DATE_FORMAT"),
                "end": date_format(absence.ends_on, "SHORT_DATE_FORMAT"),
            }
    row.load_text = _("%(booked)s of %(max)s jobs") % {
        "booked": row.booked_today,
        "max": row.technician.max_jobs_per_day,
    }


def _hours(value):
    return f"{value:g}"


@require_GET
@role_required(*READERS)
def technician_list_page(request):
    """Active technicians with their papers and today's load, 200 a page; htmx asks for
    the rows only when a filter changes."""
    form = RosterFilterForm(request.GET or None)
    technicians = technician_list(user=request.user).filter(active=True).order_by("full_name")
    if form.is_valid():
        technicians = roster.roster_filter(technicians, **form.cleaned_data)
    pager = Paginator(technicians.prefetch_related(None), ROSTER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = roster.technician_roster(technicians=pager.object_list)
    thresholds = _thresholds()
    for row in rows:
        _roster_text(row, thresholds)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "rows": rows,
        "pager": pager,
        "page_query": f"{query.urlencode()}&" if query else "",
        "detail_base": reverse("technician-list-page"),
        "text": {"complete": _("Hours complete"), "incomplete": _("Hours incomplete")},
        "today": timezone.localdate(),
        "thresholds": thresholds,
    }
    template = "quality/_technician_rows.html" if request.htmx else "quality/technicians.html"
    return render(request, template, context, status=400 if form.errors else 200)


# --- A technician's page ------------------------------------------------------------------------


def _technician(request, pk):
    return get_object_or_404(technician_list(user=request.user).prefetch_related("areas"), pk=pk)


def _url(technician, anchor=""):
    return reverse("technician-detail-page", args=[technician.pk]) + anchor


def _scan_form(data=None, files=None, *, refused=False, certificate=None):
    limit = size_label(CERTIFICATE_DOCUMENT.max_bytes)
    refused_message = (
        _("The file is larger than %(limit)s: nothing was uploaded.") % {"limit": limit}
        if refused
        else None
    )
    prefix = f"scan-{certificate.pk}" if certificate else "scan"
    return ScanForm(data, files, refused_message=refused_message, limit_label=limit, prefix=prefix)


def _performance(technician, period_form):
    first, last = period_form.period()
    start, end = local_day_bounds(first, last)
    figures = technician_kpi_weeks(technician_id=technician.pk, start=start, end=end)
    labels = [date_format(monday, "SHORT_DATE_FORMAT") for monday, _row in figures["weeks"]]
    rows = [row for _monday, row in figures["weeks"]]
    caption = _("Weeks start on Monday; a partial first or last week counts only its days.")
    charts = [
        Chart(
            id="tech-jobs-weeks",
            title=_("Jobs by week"),
            kind="bar",
            labels=labels,
            series=[
                Series(_("Opened"), [r["opened"] for r in rows]),
                Series(_("Closed"), [r["closed"] for r in rows]),
                Series(_("Complaints"), [r["complaints"] for r in rows]),
            ],
            caption=caption,
            label_heading=_("Week of"),
        ),
        Chart(
            id="tech-quality-weeks",
            title=_("Quality by week"),
            kind="line",
            labels=labels,
            series=[
                Series(_("First-time fix"), [r["first_time_fix_pct"] for r in rows], "percent"),
                Series(_("Response SLA met"), [r["response_sla_met_pct"] for r in rows], "percent"),
                Series(_("Dispatch SLA met"), [r["dispatch_sla_met_pct"] for r in rows], "percent"),
            ],
            caption=caption,
            label_heading=_("Week of"),
        ),
    ]
    return {
        "first": first,
        "last": last,
        "today": period_form.today,
        "totals": figures["totals"],
        "charts": charts,
        "presets": [
            (days, (period_form.today - datetime.timedelta(days=days - 1)).isoformat())
            for days in PERIOD_PRESETS
        ],
    }


def _detail_context(request, technician, **forms):
    today = timezone.localdate()
    period_form = forms.pop("period_form", None) or PeriodForm(request.GET or None, today=today)
    manages = _manages(request.user)
    certificates = roster.technician_certificates(technician=technician, day=today)
    revoking = forms.pop("revoke", None)
    scanning = forms.pop("scan", None)
    if manages:
        for certificate in certificates:
            certificate.revoke_form = (
                revoking[1]
                if revoking and revoking[0] == certificate.pk
                else RevokeForm(prefix=f"revoke-{certificate.pk}")
            )
            certificate.scan_form = (
                scanning[1]
                if scanning and scanning[0] == certificate.pk
                else _scan_form(certificate=certificate)
            )
    current, past = roster.technician_absences(technician=technician, day=today)
    hit = roster.jobs_hit_by_absences(technician=technician, day=today)
    refused = forms.pop("refused", {})
    for ticket in hit:
        spans = [(a.starts_on, a.ends_on) for a in current]
        ticket.move_to = roster.next_working_day(
            technician=technician, after=ticket.absence_ends_on, absences=spans
        )
        ticket.refused = refused.pop(ticket.pk, None)
    context = {
        "technician": technician,
        "today": today,
        "manages": manages,
        "certificates": certificates,
        "training": roster.technician_training(technician=technician, day=today),
        "absences": current,
        "past_absences": past,
        "hit_jobs": hit,
        # A refusal for a job no longer listed (started or moved meanwhile) shows above.
        "refused_elsewhere": [message for messages_ in refused.values() for message in messages_],
        "thresholds": _thresholds(),
        "booked_today": roster.technician_bookings_today(technician=technician, day=today),
        "period_form": period_form,
        "performance": _performance(technician, period_form),
        "training_form": forms.pop("training_form", None)
        or (TrainingRecordForm(initial={"completed_on": today}) if manages else None),
        "absence_form": forms.pop("absence_form", None)
        or (AbsenceForm(initial={"starts_on": today, "ends_on": today}) if manages else None),
    }
    return context


def _render_detail(request, technician, status=200, **forms):
    context = _detail_context(request, technician, **forms)
    return render(request, "quality/technician_detail.html", context, status=status)


@require_GET
@role_required(*READERS)
def technician_detail_page(request, pk):
    """A technician's papers, absences and performance over the period in the query."""
    technician = _technician(request, pk)
    return _render_detail(request, technician)


def _service_call(form, call):
    """Run ``call()``; a refusal of the service becomes the form's errors (False)."""
    try:
        call()
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return False
    return True


@require_POST
@role_required(Role.SUPERVISOR)
def technician_training_add_page(request, pk):
    technician = _technician(request, pk)
    form = TrainingRecordForm(request.POST)
    if form.is_valid() and _service_call(
        form,
        lambda: services.training_record_create(
            actor=request.user, technician=technician, **form.cleaned_data
        ),
    ):
        messages.success(request, _("Training recorded: %(course)s.") % form.cleaned_data)
        return redirect(_url(technician, "#training"))
    return _render_detail(request, technician, status=400, training_form=form)


@require_POST
@role_required(Role.SUPERVISOR)
def technician_absence_add_page(request, pk):
    """Record an absence; the page then lists the booked jobs it hits, each with a move."""
    technician = _technician(request, pk)
    form = AbsenceForm(request.POST)
    result = {}

    def record():
        result["absence"], result["hit"] = services.absence_create(
            actor=request.user, technician=technician, **form.cleaned_data
        )

    if form.is_valid() and _service_call(form, record):
        hit = len(result["hit"])
        if hit:
            messages.warning(
                request,
                ngettext(
                    "Absence recorded. %(n)s booked job falls in it: move or reassign it below.",
                    "Absence recorded. %(n)s booked jobs fall in it: move or reassign them below.",
                    hit,
                )
                % {"n": hit},
            )
        else:
            messages.success(request, _("Absence recorded. No booked job falls in it."))
        return redirect(_url(technician, "#absences"))
    return _render_detail(request, technician, status=400, absence_form=form)


@require_POST
@role_required(Role.SUPERVISOR)
def technician_job_move_page(request, pk, ticket_pk):
    """One click: move a job the technician's absence hits to the day offered, same times,
    same technician, through ``ticket_reschedule`` (which re-checks eligibility)."""
    technician = _technician(request, pk)
    ticket = get_object_or_404(
        Ticket.objects.select_related("technician"),
        pk=ticket_pk,
        technician=technician,
        appointment_start__isnull=False,
    )
    form = MoveJobForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This job could not be moved; reload the page and try again."))
        return redirect(_url(technician, "#absences"))
    day = form.cleaned_data["day"]
    start = timezone.localtime(ticket.appointment_start)
    new_start = timezone.make_aware(datetime.datetime.combine(day, start.time()))
    new_end = new_start + (ticket.appointment_end - ticket.appointment_start)
    try:
        ticket_services.ticket_reschedule(
            ticket=ticket,
            actor=request.user,
            appointment_start=new_start,
            appointment_end=new_end,
            reason=_("The technician is absent on the booked day."),
            expected_version=form.cleaned_data["version"],
        )
    except ApplicationError as exc:
        reasons = [reason_label(code) for code in (exc.extra or {}).get("reasons", [])]
        return _render_detail(
            request, technician, status=400, refused={ticket.pk: [exc.message, *reasons]}
        )
    messages.success(
        request,
        _("%(number)s moved to %(date)s.")
        % {"number": ticket.number, "date": date_format(day, "DATE_FORMAT")},
    )
    return redirect(_url(technician, "#absences"))


def _certificate(technician, cert_pk):
    return get_object_or_404(
        Certification.objects.select_related("type"), pk=cert_pk, technician=technician
    )


@require_POST
@role_required(Role.SUPERVISOR)
def certification_revoke_page(request, pk, cert_pk):
    technician = _technician(request, pk)
    certificate = _certificate(technician, cert_pk)
    form = RevokeForm(request.POST, prefix=f"revoke-{certificate.pk}")
    if form.is_valid() and _service_call(
        form,
        lambda: services.certification_revoke(
            certification=certificate, actor=request.user, reason=form.cleaned_data["reason"]
        ),
    ):
        messages.success(
            request, _("Certificate %(number)s revoked.") % {"number": certificate.number}
        )
        return redirect(_url(technician, "#certificates"))
    return _render_detail(request, technician, status=400, revoke=(certificate.pk, form))


@csrf_exempt
@require_POST
def certification_scan_upload_page(request, pk, cert_pk):
    """Attach (or replace) a certificate's scan. A file over the limit is dropped while
    it streams and the page says so next to the field; CSRF is checked once the upload
    handlers are in place (as for a ticket's attachments)."""
    upload_handlers_for_page(request, kind=CERTIFICATE_DOCUMENT)
    return _scan_upload(request, pk, cert_pk)


@csrf_protect
@role_required(Role.SUPERVISOR)
def _scan_upload(request, pk, cert_pk):
    technician = _technician(request, pk)
    certificate = _certificate(technician, cert_pk)
    form = _scan_form(
        request.POST,
        request.FILES,
        refused=bool(getattr(request, "uploads_refused", ())),
        certificate=certificate,
    )
    if form.is_valid() and _service_call(
        form,
        lambda: services.certification_update(
            certification=certificate, actor=request.user, document=form.cleaned_data["document"]
        ),
    ):
        messages.success(
            request, _("Scan attached to certificate %(number)s.") % {"number": certificate.number}
        )
        return redirect(_url(technician, "#certificates"))
    return _render_detail(request, technician, status=400, scan=(certificate.pk, form))


@require_GET
@login_required
def certification_scan_file(request, pk, cert_pk):
    """The scan, to supervisors, auditors and the technician it belongs to; anyone else
    gets a 404 as if it did not exist. Served as a download, never rendered inline."""
    certificate = get_object_or_404(
        Certification.objects.select_related("technician", "type"), pk=cert_pk, technician_id=pk
    )
    own = certificate.technician.user_id == request.user.pk
    if not (own or has_role(request.user, *READERS)):
        raise Http404
    if not certificate.document:
        raise Http404
    file_type = stored_file_type(certificate.document)
    if file_type is None:
        raise Http404
    try:
        handle = certificate.document.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    name = f"{certificate.type.code}-{certificate.number}.{file_type.extension}"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=file_type.mime)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


__all__ = [
    "certification_revoke_page",
    "certification_scan_file",
    "certification_scan_upload_page",
    "technician_absence_add_page",
    "technician_detail_page",
    "technician_job_move_page",
    "technician_list_page",
    "technician_training_add_page",
]
