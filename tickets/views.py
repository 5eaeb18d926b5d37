"""HTML adapter: the desk's and the technicians' pages, on the same selectors and services
as the API. Forms validate the input, services decide; a refused action re-renders the
page with the message and the user's input kept (never a 500, never a lost update)."""

import datetime
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from aftersales.exceptions import ActionForbidden, ApplicationError
from aftersales.platform.selectors import ticket_notifications
from aftersales.roles import Role, has_role, roles_of
from technicians.choices import reason_label
from technicians.models import Technician
from technicians.selectors import certification_list, training_compliance

from . import forms, services
from .choices import Action, TicketStatus
from .filtersets import TicketFilterSet
from .presenters import PiiReads, customer_phone, message_address, pii_reads_record
from .selectors import customer_list, dashboard_summary, ticket_events, ticket_list

PAGE_SIZE = 50
DESK = (Role.AGENT, Role.SUPERVISOR)


@dataclass(frozen=True)
class PageAction:
    form: type
    service: object
    template: str = "tickets/actions/_generic.html"
    danger: bool = False
    label: str | None = None  # when the table's label reads ambiguously on a button


# Display order: the step that moves the ticket forward first, housekeeping after.
ACTIONS = {
    Action.TRIAGE: PageAction(forms.TriageForm, services.ticket_triage),
    Action.DISPATCH: PageAction(forms.DispatchForm, services.ticket_dispatch),
    Action.CHECK_IN: PageAction(
        forms.CheckInForm, services.ticket_check_in, "tickets/actions/check_in.html"
    ),
    Action.COMPLETE: PageAction(forms.CompleteForm, services.ticket_complete),
    Action.CONFIRM: PageAction(
        forms.ConfirmForm, services.ticket_confirm, "tickets/actions/confirm.html"
    ),
    Action.FOLLOW_UP: PageAction(forms.FollowUpForm, services.ticket_follow_up),
    Action.RESOLVE_REMOTELY: PageAction(
        forms.ResolveRemotelyForm, services.ticket_resolve_remotely
    ),
    Action.RESCHEDULE: PageAction(forms.RescheduleForm, services.ticket_reschedule),
    Action.CONTACT: PageAction(forms.ContactForm, services.ticket_contact),
    Action.ESCALATE: PageAction(forms.ReasonForm, services.ticket_escalate),
    Action.PAUSE: PageAction(forms.ReasonForm, services.ticket_pause),
    Action.RESUME: PageAction(forms.ReasonForm, services.ticket_resume),
    Action.TRANSFER_OWNER: PageAction(forms.TransferOwnerForm, services.ticket_transfer_owner),
    Action.UPDATE: PageAction(forms.UpdateForm, services.ticket_update),
    Action.CANCEL: PageAction(
        forms.ReasonForm,
        services.ticket_cancel,
        danger=True,
        label=gettext_lazy("Cancel ticket"),
    ),
}
FORWARD_ACTIONS = (
    Action.TRIAGE,
    Action.DISPATCH,
    Action.CHECK_IN,
    Action.COMPLETE,
    Action.CONFIRM,
    Action.FOLLOW_UP,
)
ERROR_TITLES = {
    "stale_version": gettext_lazy(
        "Someone else changed this ticket while you had it open. The page now shows the "
        "current ticket and your entries are kept: check them and submit again."
    ),
    "invalid_transition": gettext_lazy("This action is not possible in the ticket's state."),
    "not_qualified": gettext_lazy("This technician cannot take this job."),
    "forbidden": gettext_lazy("You may not do this."),
}


def role_required(*roles):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


def _is_field_technician(user):
    roles = roles_of(user)
    return Role.TECHNICIAN in roles and not roles & {*DESK, Role.AUDITOR}


@login_required
def home(request):
    """Technicians land on their jobs; everyone else on the ticket list."""
    if _is_field_technician(request.user):
        return redirect("my-jobs-page")
    return redirect("ticket-list-page")


# --- Lists ---------------------------------------------------------------------------------


def _filled(query):
    """The filters a person actually set: the form's "Any status" / "Any priority" options
    send empty values, which mean "no filter", not an invalid choice."""
    filled = query.copy()
    for key in list(filled):
        values = [value for value in filled.getlist(key) if value.strip()]
        if values:
            filled.setlist(key, values)
        else:
            del filled[key]
    return filled


@login_required
def ticket_list_page(request):
    """Filtered list, newest first, keyset-paginated with ``?before=<id>`` (no COUNT(*))."""
    visible = ticket_list(user=request.user)
    filterset = TicketFilterSet(_filled(request.GET), queryset=visible)
    queryset = filterset.qs.order_by("-id") if filterset.is_valid() else visible.none()
    mine = request.GET.get("mine") == "1"
    if mine:
        queryset = queryset.filter(Q(owner=request.user) | Q(technician__user=request.user))
    before = request.GET.get("before", "")
    if before.isdigit():
        queryset = queryset.filter(id__lt=int(before))
    rows = list(queryset[: PAGE_SIZE + 1])
    has_more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    query = request.GET.copy()
    query.pop("before", None)
    now = timezone.now()
    return render(
        request,
        "tickets/ticket_list.html",
        {
            "filterset": filterset,
            "mine": mine,
            "tickets": [(t, t.sla_state(now)) for t in rows],
            "next_before": rows[-1].id if has_more else None,
            "paged": before.isdigit(),
            "query": query.urlencode(),
            "can_create": has_role(request.user, *DESK),
        },
    )


@role_required(*DESK, Role.AUDITOR)
def dashboard_page(request):
    """The backlog at a glance, each figure a link to the list it counts."""
    summary = dashboard_summary()
    open_statuses = "&".join(f"status={s}" for s in summary["open"]["by_status"])
    return render(
        request,
        "tickets/dashboard.html",
        {
            "summary": summary,
            "generated_at": datetime.datetime.fromisoformat(summary["generated_at"]),
            "open_query": open_statuses,
            "statuses": list(summary["open"]["by_status"].items()),
            "priorities": list(summary["open"]["by_priority"].items()),
        },
    )


@role_required(Role.TECHNICIAN)
def my_jobs_page(request):
    """The technician's open jobs in visit order: what is on today first, then what comes."""
    jobs = (
        ticket_list(user=request.user)
        .with_product()
        .filter(
            technician__user=request.user,
            status__in=[
                TicketStatus.DISPATCHED,
                TicketStatus.ON_SITE,
                TicketStatus.AWAITING_CONFIRMATION,
            ],
        )
        .order_by(F("appointment_start").asc(nulls_last=True), "id")
    )
    now = timezone.now()
    today = timezone.localdate(now)
    current, upcoming = [], []
    for job in jobs:
        day = timezone.localdate(job.appointment_start) if job.appointment_start else today
        late = job.status == TicketStatus.DISPATCHED and job.appointment_end < now
        (upcoming if day > today and job.status == TicketStatus.DISPATCHED else current).append(
            {"ticket": job, "late": late, "today": day == today}
        )
    return render(
        request,
        "tickets/my_jobs.html",
        {"current": current, "upcoming": upcoming, "today": today, **_papers(request.user, today)},
    )


def _papers(user, today):
    """The technician's own certificates (status as of today) and training year."""
    technician = Technician.objects.filter(user=user).first()
    if technician is None:
        return {}
    certificates = [
        {"certificate": c, "status": c.status_on(today)}
        for c in certification_list(user=user).filter(technician=technician)
        if c.revoked_at is None and c.expires_on >= today - datetime.timedelta(days=365)
    ]
    training = training_compliance(technician_ids=[technician.pk], day=today)[technician.pk]
    return {
        "certificates": certificates,
        "training": training,
        "training_min": (settings.TRAINING_MIN_THEORY_HOURS, settings.TRAINING_MIN_PRACTICAL_HOURS),
    }


# --- A ticket and its actions ---------------------------------------------------------------


def _visible_actions(ticket, user):
    """The allowed actions, in page order."""
    allowed = set(services.ticket_allowed_actions(ticket=ticket, actor=user))
    return [action for action in ACTIONS if action in allowed]


def _label(action):
    return ACTIONS[action].label or Action(action).label


def _action_form(action, ticket, user, data=None):
    return ACTIONS[action].form(data, ticket=ticket, user=user, auto_id=f"id_{action}_%s")


def _error_text(exc):
    title = ERROR_TITLES.get(exc.code)
    if exc.code == "not_qualified" and exc.extra.get("reasons"):
        reasons = [reason_label(r) for r in exc.extra["reasons"]]
        return _("This technician cannot take this job: %(reasons)s.") % {
            "reasons": pgettext("list separator", ", ").join(reasons)
        }
    if exc.code == "stale_version":
        return str(title)
    return f"{title} {exc.message}" if title else exc.message


def _lifecycle(ticket):
    steps = [
        (TicketStatus.NEW, _("Intake")),
        (TicketStatus.TRIAGED, _("Triage")),
        (TicketStatus.DISPATCHED, _("Dispatch")),
        (TicketStatus.ON_SITE, _("On site")),
        (TicketStatus.AWAITING_CONFIRMATION, _("Confirmation")),
        (TicketStatus.CLOSED, _("Closed")),
        (TicketStatus.FOLLOWED_UP, _("Follow-up")),
    ]
    codes = [code for code, _text in steps]
    current = codes.index(ticket.status) if ticket.status in codes else -1
    return [
        {"label": text, "state": "done" if i < current else "current" if i == current else ""}
        for i, (_code, text) in enumerate(steps)
    ]


def _messages_log(ticket, user, reads):
    """The "Messages" card: the ticket's communication log (one query), addresses as
    ``presenters.message_address`` lets ``user`` see them."""
    rows = list(ticket_notifications(ticket=ticket))
    for row in rows:
        row.shown_address = message_address(user=user, notification=row, ticket=ticket, reads=reads)
    return rows


def _render_detail(request, ticket, *, bound=None, error=None, status=200):
    """The ticket page; ``bound`` is the (action, form) that just failed, shown open."""
    user = request.user
    panels = []
    visible = _visible_actions(ticket, user)
    first_forward = next((a for a in visible if a in FORWARD_ACTIONS), None)
    for action in visible:
        form = bound[1] if bound and bound[0] == action else _action_form(action, ticket, user)
        panels.append(
            {
                "action": action,
                "label": _label(action),
                "form": form,
                "template": ACTIONS[action].template,
                "danger": ACTIONS[action].danger,
                "open": (bound and bound[0] == action) or (not bound and action == first_forward),
            }
        )
    if bound and bound[0] not in visible:
        # The action is no longer possible (the ticket moved on): still show what was typed.
        panels.insert(
            0,
            {
                "action": bound[0],
                "label": _label(bound[0]),
                "form": bound[1],
                "template": ACTIONS[bound[0]].template,
                "open": True,
                "stale": True,
            },
        )
    reads = PiiReads()
    phone, show_phone = customer_phone(
        user=user, customer=ticket.customer, ticket=ticket, reads=reads
    )
    messages_log = _messages_log(ticket, user, reads)
    pii_reads_record(actor=user, reads=reads)
    return render(
        request,
        "tickets/ticket_detail.html",
        {
            "ticket": ticket,
            "sla_state": ticket.sla_state(),
            "show_phone": show_phone,
            "phone": phone,
            "events": ticket_events(ticket=ticket),
            "messages_log": messages_log,
            "panels": panels,
            "error": error,
            "lifecycle": _lifecycle(ticket),
        },
        status=status,
    )


@login_required
def ticket_detail_page(request, pk):
    ticket = get_object_or_404(ticket_list(user=request.user).with_product(), pk=pk)
    return _render_detail(request, ticket)


@require_POST
@login_required
def ticket_action_page(request, pk, action):
    """Validate one action's form, call its service with the page's version, redirect."""
    if action not in ACTIONS:
        raise Http404
    visible = ticket_list(user=request.user).with_product()
    ticket = get_object_or_404(visible, pk=pk)
    try:
        services.ticket_authorize(ticket=ticket, action=action, actor=request.user)
    except ActionForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    form = _action_form(action, ticket, request.user, request.POST)
    error, status = None, 400
    if form.is_valid():
        try:
            updated = ACTIONS[action].service(
                ticket=ticket,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                **form.service_kwargs(),
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        except ApplicationError as exc:
            error, status = _error_text(exc), exc.status
            ticket = get_object_or_404(visible, pk=pk)
            if exc.code == "stale_version":
                # Keep the input, but carry the current version so a resubmit can succeed.
                data = request.POST.copy()
                data["version"] = ticket.version
                form = _action_form(action, ticket, request.user, data)
                form.is_valid()
        else:
            messages.success(
                request,
                _("%(action)s: done. The ticket is now %(status)s.")
                % {
                    "action": _label(action),
                    "status": updated.get_status_display(),
                },
            )
            return redirect("ticket-detail-page", pk=ticket.pk)
    return _render_detail(request, ticket, bound=(action, form), error=error, status=status)


# --- Intake (受理) ---------------------------------------------------------------------------


def _intake_customer(request, customer_id):
    if not customer_id:
        return None
    if not str(customer_id).isdigit():
        raise Http404
    return get_object_or_404(
        customer_list(user=request.user).filter(erased_at__isnull=True), pk=customer_id
    )


def _create_from_intake(request, *, customer, customer_form, product_form, intake):
    """Register what is new and record the ticket, all or nothing.

    Returns the ticket, or None with the service's errors attached to the form they
    belong to.
    """
    try:
        return services.ticket_intake(
            actor=request.user,
            customer=customer,
            new_customer=customer_form.cleaned_data if customer is None else None,
            new_product=product_form.cleaned_data if product_form is not None else None,
            **intake.ticket_kwargs(),
        )
    except services.IntakeRejected as exc:
        stage = {"customer": customer_form, "product": product_form}.get(exc.part, intake)
        forms.add_service_errors(stage, exc)
    return None


@role_required(*DESK)
def ticket_create_page(request):
    """Find the customer by phone (or register them), optionally a product, then the request.

    GET ``?phone=`` looks the customer up; the POST carries either the found customer's id
    or the new customer's fields, and creates everything in one transaction.
    """
    lookup = forms.PhoneLookupForm(request.GET or None)
    customer_form = None
    if request.method == "POST":
        data = request.POST
        customer = _intake_customer(request, data.get("customer"))
        if customer is None:
            customer_form = forms.CustomerForm(data)
        searched = True
    else:
        data = None
        customer = _intake_customer(request, request.GET.get("customer"))
        if customer is None and lookup.is_valid():
            phone = lookup.cleaned_data["phone"]
            customer = (
                customer_list(user=request.user, phone=phone)
                .filter(phone=phone, erased_at__isnull=True)
                .first()
            )
            if customer is None:
                customer_form = forms.CustomerForm(initial={"phone": phone})
        searched = customer is not None or customer_form is not None
    products = list(customer.products.select_related("model")) if customer else []
    intake = forms.TicketIntakeForm(data, products=products)
    registers_product = intake.registers_product
    product_form = forms.ProductRegisterForm(data if registers_product else None)
    status = 200
    if request.method == "POST":
        forms_used = [intake, customer_form, product_form if registers_product else None]
        # Validate every form (no short-circuit) so that all their errors show at once.
        valid = [form.is_valid() for form in forms_used if form is not None]
        if all(valid):
            ticket = _create_from_intake(
                request,
                customer=customer,
                customer_form=customer_form,
                product_form=product_form if registers_product else None,
                intake=intake,
            )
            if ticket is not None:
                messages.success(
                    request,
                    _("Ticket %(number)s recorded; you are its first-contact owner.")
                    % {"number": ticket.number},
                )
                return redirect("ticket-detail-page", pk=ticket.pk)
        status = 400
    recent = (
        list(ticket_list(user=request.user).filter(customer=customer).order_by("-id")[:5])
        if customer
        else []
    )
    return render(
        request,
        "tickets/ticket_create.html",
        {
            "lookup": lookup,
            "customer": customer,
            "customer_form": customer_form,
            "product_form": product_form,
            "intake": intake,
            "recent": recent,
            "searched": searched,
            "failed": status != 200,
        },
        status=status,
    )
