"""The technician's job page (phone first): the symptom and the customer, the address
for the phone's map app, "on my way", the check-in with its window warning, the work
record (fault code, checklist, parts from the van, photos) and the unit's history.

Only the technician assigned to the job opens it or posts to it (anyone else: 404, the
same answer as for a ticket that does not exist). Every action is a plain form posting
here and going through the same services as the ticket page and the API, so it works
without JavaScript (htmx only searches the van and adds a part line in place).
"""

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from aftersales.exceptions import ActionForbidden, ApplicationError
from aftersales.roles import Role
from aftersales.text import is_digits
from aftersales.uploads import TICKET_ATTACHMENT, size_label, upload_handlers_for_page
from parts.selectors import unit_service_history, van_stock_for_job
from parts.services import line_is_charged
from technicians.tools.rules import check_in_tool_problems, problems_message
from tickets.knowledge.selectors import articles_for_ticket

from .. import forms, services
from ..choices import TicketStatus
from ..models import TicketAttachment
from ..presenters import PiiReads, customer_phone, pii_reads_record
from ..selectors import last_on_my_way, ticket_list, work_order_attachment, work_order_summary
from .common import role_required
from .detail import _error_text
from .offline import ReplayConflict, is_replay, offline_replay, replay_problem
from .work_order import work_order_response


def _job(request, pk):
    """The job ``pk`` if it is assigned to the signed-in technician, else 404."""
    jobs = (
        ticket_list(user=request.user)
        .with_product()
        .select_related("technician", "customer")
        .filter(technician__user=request.user)
    )
    return get_object_or_404(jobs, pk=pk)


def _charged_rule(ticket):
    return lambda part: line_is_charged(ticket=ticket, part=part)


def _complete_form(ticket, user, data=None, *, initial=None):
    part_ids = None
    if data is not None:
        posted = [*data.getlist("line_part"), data.get("add_part", "")]
        part_ids = [int(v) for v in posted if is_digits(v)]
    levels = (
        {level.part_id: level for level in van_stock_for_job(ticket=ticket, part_ids=part_ids)}
        if part_ids
        else {}
    )
    return forms.JobCompleteForm(
        data,
        ticket=ticket,
        user=user,
        initial=initial or {},
        fault_codes=services.fault_codes_for(ticket),
        checklist_items=services.checklist_items_for(ticket),
        van_levels=levels,
        charged_rule=_charged_rule(ticket),
        auto_id="id_complete_%s",
    )


def _photo_form(ticket, user, data=None, files=None, refused=False):
    if not services.ticket_attachment_allowed(ticket=ticket, actor=user):
        return None
    limit = size_label(TICKET_ATTACHMENT.max_bytes)
    return forms.JobPhotoForm(
        data,
        files,
        photos_only=True,
        limit_label=limit,
        max_bytes=TICKET_ATTACHMENT.max_bytes,
        too_large_message=_(
            "The file is larger than %(limit)s: nothing was uploaded. Take the photo at a "
            "lower resolution."
        )
        % {"limit": limit},
        refused=refused,
        auto_id="id_photo_%s",
    )


# A picked line as the phone builds it offline (templates/tickets/offline/_part_line_template.html).
PART_LINE_PLACEHOLDER = {
    "part": {"pk": "__ID__", "sku": "__SKU__", "name": "__NAME__", "unit_price": "__PRICE__"},
    "available": "__N__",
    "quantity": 1,
    "charged": forms.FREE,
    "forced": False,
    "fitted": "",
    "removed": "",
}


def _with_charge(ticket, levels):
    """The van's levels, each knowing whether its part must be charged on this job (the
    phone builds a picked line from it when there is no signal)."""
    rule = _charged_rule(ticket)
    levels = list(levels)
    for level in levels:
        level.forced_charge = rule(level.part)
    return levels


def _map_links(address):
    if not address:
        return None
    encoded = quote(address, safe="")
    return {
        "geo": f"geo:0,0?q={encoded}",
        "site": settings.JOB_MAP_URL_TEMPLATE.format(address=encoded),
    }


def _render(request, ticket, *, status=200, on_my_way=None, check_in=None, complete=None,
            photo=None, error=None, error_at=None):  # fmt: skip
    user = request.user
    if status >= 400:
        replay_problem(request, error=error, forms=(on_my_way, check_in, complete, photo))
    reads = PiiReads()
    phone, show_phone = customer_phone(
        user=user, customer=ticket.customer, ticket=ticket, reads=reads
    )
    pii_reads_record(actor=user, reads=reads)
    dispatched = ticket.status == TicketStatus.DISPATCHED
    on_site = ticket.status == TicketStatus.ON_SITE
    outside = services.check_in_window(ticket=ticket) if dispatched else None
    if dispatched and check_in is None:
        check_in = forms.JobCheckInForm(ticket=ticket, user=user, auto_id="id_check_in_%s")
    # A dispatched job's page carries the work record and the sign-off too, hidden:
    # offline, the phone shows them once the check-in (then the work) is queued.
    if (on_site or dispatched) and complete is None:
        complete = _complete_form(ticket, user)
    photos = [
        row for row in TicketAttachment.objects.of_ticket(ticket) if row.is_photo
    ]  # one query
    # A required tool missing or overdue (technicians.tools.rules): a warning while the job
    # is open; with TOOLS_REFUSE_OVERDUE_CHECKIN on the check-in is refused as well.
    tool_problems = check_in_tool_problems(ticket=ticket) if on_site or dispatched else []
    context = {
        "ticket": ticket,
        "phone": phone,
        "show_phone": show_phone,
        "map": _map_links(ticket.customer.address),
        "dispatched": dispatched,
        "on_site": on_site,
        "outside_window": outside,
        "on_my_way_form": (on_my_way or forms.OnMyWayForm(auto_id="id_eta_%s"))
        if dispatched
        else None,
        "on_my_way_sent": last_on_my_way(ticket=ticket) if dispatched else None,
        "check_in_form": check_in,
        "complete_form": complete,
        "van_parts": _with_charge(ticket, van_stock_for_job(ticket=ticket))
        if on_site or dispatched
        else [],
        "offline_sign_form": forms.ConfirmForm(ticket=ticket, user=user, auto_id="id_sign_%s")
        if on_site or dispatched
        else None,
        "warranty_days": settings.REPAIR_WARRANTY_DAYS,
        "window_tolerance": settings.JOB_CHECK_IN_TOLERANCE_MINUTES,
        "part_line_placeholder": PART_LINE_PLACEHOLDER,
        "photo_form": photo or _photo_form(ticket, user),
        "photos": photos,
        "history": unit_service_history(ticket=ticket, limit=settings.JOB_SERVICE_HISTORY_LIMIT),
        "tool_problems": tool_problems,
        "tool_warning": problems_message(tool_problems) if tool_problems else "",
        "tool_refuses": settings.TOOLS_REFUSE_OVERDUE_CHECKIN and dispatched,
        "articles": articles_for_ticket(ticket=ticket, limit=settings.KNOWLEDGE_SUGGESTIONS),
        "error": error,
        "error_at": error_at,
        "now": timezone.now(),
    }
    return render(request, "tickets/job.html", context, status=status)


@role_required(Role.TECHNICIAN)
@require_GET
def job_page(request, pk):
    return _render(request, _job(request, pk))


def _back(ticket, anchor=""):
    return redirect(reverse("job-page", args=[ticket.pk]) + anchor)


def _refused(request, ticket, exc, **forms_kwargs):
    """A service's refusal: the page again with the message beside the form."""
    status = getattr(exc, "status", 400)
    request.replay_code = getattr(exc, "code", "")
    ticket = _job(request, ticket.pk)
    return _render(request, ticket, status=status, error=_error_text(exc), **forms_kwargs)


@role_required(Role.TECHNICIAN)
@require_POST
def job_on_my_way_page(request, pk):
    ticket = _job(request, pk)
    form = forms.OnMyWayForm(request.POST, auto_id="id_eta_%s")
    if not form.is_valid():
        return _render(request, ticket, on_my_way=form, status=400)
    try:
        services.ticket_on_my_way(
            ticket=ticket, actor=request.user, eta_minutes=form.cleaned_data["eta_minutes"]
        )
    except ActionForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        return _refused(request, ticket, exc, error_at="on_my_way")
    messages.success(
        request,
        _("The customer has been told you are on the way (about %(n)s minutes).")
        % {"n": form.cleaned_data["eta_minutes"]},
    )
    return _back(ticket)


@offline_replay
@role_required(Role.TECHNICIAN)
@require_POST
def job_check_in_page(request, pk):
    ticket = _job(request, pk)
    form = forms.JobCheckInForm(request.POST, ticket=ticket, user=request.user,
                                auto_id="id_check_in_%s")  # fmt: skip
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.ticket_check_in(
                ticket=ticket,
                actor=request.user,
                latitude=data["latitude"],
                longitude=data["longitude"],
                expected_version=data["version"],
                outside_window_confirmed=data["outside_window_confirmed"],
                device_time=getattr(request, "device_time", None),
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        except ActionForbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            return _refused(request, ticket, exc, error_at="check_in")
        else:
            messages.success(request, _("Checked in. Record the work when you are done."))
            return _back(ticket, "#work-record")
    return _render(request, ticket, check_in=form, status=400)


@offline_replay
@role_required(Role.TECHNICIAN)
@require_POST
def job_complete_page(request, pk):
    """Complete the job with its work record; "add" and "search" buttons (the page
    without JavaScript) only show the form again with the lines picked so far."""
    ticket = _job(request, pk)
    if ("add_part" in request.POST or "part_search" in request.POST) and not is_replay(request):
        return _rebuild(request, ticket)
    form = _complete_form(ticket, request.user, request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                checklist = services.checklist_record(
                    ticket=ticket, ticked=form.cleaned_data["checklist"]
                )
                services.ticket_complete(
                    ticket=ticket,
                    actor=request.user,
                    expected_version=form.cleaned_data["version"],
                    checklist=checklist,
                    device_time=getattr(request, "device_time", None),
                    **form.service_kwargs(),
                )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        except ActionForbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            if exc.code == "stale_version":
                # Keep the entries, with the current version so a resubmit can succeed.
                data = request.POST.copy()
                data["version"] = _job(request, pk).version
                form = _complete_form(ticket, request.user, data)
                form.is_valid()
            return _refused(request, ticket, exc, complete=form, error_at="complete")
        else:
            messages.success(
                request,
                _("Work recorded. The customer now confirms the work and signs."),
            )
            return redirect("job-sign-page", pk=ticket.pk)
    return _render(request, ticket, complete=form, status=400)


def _rebuild(request, ticket):
    """The completion form as posted, unvalidated, plus the part asked for."""
    data = request.POST
    form = _complete_form(ticket, request.user, data)
    initial = {
        name: data.get(name)
        for name in ("fault_code", "diagnosis", "work_done", "test_passed")
        if data.get(name) is not None
    }
    unbound = _complete_form(ticket, request.user, initial={**initial,
                             "checklist": data.getlist("checklist")})  # fmt: skip
    unbound.lines = form.lines
    added = data.get("add_part", "")
    level = form.van_levels.get(int(added)) if is_digits(added) else None
    if level is not None and all(line["part"].pk != level.part_id for line in form.lines):
        unbound.lines.append(forms.part_line(level, charged_rule=_charged_rule(ticket)))
    return _render(request, ticket, complete=unbound)


@role_required(Role.TECHNICIAN)
@require_GET
def job_van_parts(request, pk):
    """htmx: the van's parts matching ``part_q`` (the search box)."""
    ticket = _job(request, pk)
    if ticket.status != TicketStatus.ON_SITE:
        raise Http404
    levels = van_stock_for_job(ticket=ticket, query=request.GET.get("part_q", ""))
    context = {"ticket": ticket, "van_parts": _with_charge(ticket, levels)}
    return render(request, "tickets/job/_van_parts.html", context)


@role_required(Role.TECHNICIAN)
@require_GET
def job_part_line(request, pk):
    """htmx: one picked part's line for the completion form."""
    ticket = _job(request, pk)
    value = request.GET.get("add_part", "")
    if ticket.status != TicketStatus.ON_SITE or not is_digits(value):
        raise Http404
    level = van_stock_for_job(ticket=ticket, part_ids=[int(value)]).first()
    if level is None:
        raise Http404
    line = forms.part_line(level, charged_rule=_charged_rule(ticket))
    return render(request, "tickets/job/_part_line.html", {"line": line})


@csrf_exempt
@require_POST
def job_photo_page(request, pk):
    """Upload a job photo (before, after, rating plate); oversized files are dropped
    while they stream and the page says so (see ``attachments``)."""
    upload_handlers_for_page(request, kind=TICKET_ATTACHMENT)
    return offline_replay(_photo_add)(request, pk)


@csrf_protect
@role_required(Role.TECHNICIAN)
def _photo_add(request, pk):
    ticket = _job(request, pk)
    form = _photo_form(
        ticket,
        request.user,
        data=request.POST,
        files=request.FILES,
        refused="file" in getattr(request, "uploads_refused", ()),
    )
    if form is None:
        raise PermissionDenied
    if form.is_valid():
        try:
            services.ticket_attachment_add(
                ticket=ticket,
                actor=request.user,
                file=form.cleaned_data["file"],
                caption=form.cleaned_data["caption"],
                photo_kind=form.cleaned_data["photo_kind"],
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        except ActionForbidden as exc:
            raise PermissionDenied(exc.message) from exc
        else:
            messages.success(request, _("Photo added."))
            return _back(ticket, "#photos")
    return _render(request, ticket, photo=form, status=400)


def _sign_render(request, ticket, form, *, status=200, error=None):
    if status >= 400:
        replay_problem(request, error=error, forms=(form,))
    context = {
        "ticket": ticket,
        "form": form,
        "summary": work_order_summary(ticket),
        "error": error,
    }
    return render(request, "tickets/job_sign.html", context, status=status)


@offline_replay
@role_required(Role.TECHNICIAN)
def job_sign_page(request, pk):
    """The customer's sign-off on the technician's phone: the summary (work done, parts
    free or charged, the total, the repair's warranty), then the opinion, the rating and
    the signature, posted through ``ticket_confirm`` like the ticket page's form."""
    ticket = _job(request, pk)
    if ticket.status != TicketStatus.AWAITING_CONFIRMATION:
        if is_replay(request):
            raise ReplayConflict(
                _("The customer's signature was not recorded: the job is %(status)s now.")
                % {"status": ticket.get_status_display()}
            )
        if request.method == "POST" or ticket.status not in (
            TicketStatus.CLOSED,
            TicketStatus.FOLLOWED_UP,
        ):
            return _back(ticket)
        context = {"ticket": ticket, "work_order": work_order_attachment(ticket)}
        return render(request, "tickets/job_signed.html", context)
    if request.method != "POST":
        return _sign_render(request, ticket, forms.ConfirmForm(ticket=ticket, user=request.user))
    form = forms.ConfirmForm(request.POST, ticket=ticket, user=request.user)
    if form.is_valid():
        try:
            services.ticket_confirm(
                ticket=ticket,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                via="on_site",
                device_time=getattr(request, "device_time", None),
                **form.service_kwargs(),
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        except ActionForbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            return _sign_render(
                request, _job(request, pk), form, status=getattr(exc, "status", 400),
                error=_error_text(exc),
            )  # fmt: skip
        else:
            if form.cleaned_data["accepted"]:
                messages.success(request, _("Signed. The job is closed: thank you."))
                return redirect("job-sign-page", pk=ticket.pk)
            messages.success(
                request, _("The customer's objection is recorded. The job goes back to the desk.")
            )
            return redirect("my-jobs-page")
    return _sign_render(request, ticket, form, status=400)


@role_required(Role.TECHNICIAN)
@require_GET
def job_work_order_file(request, pk):
    """The signed work order of the technician's own job (made now if the worker has
    not yet)."""
    return work_order_response(_job(request, pk))
