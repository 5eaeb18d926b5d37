"""A ticket and its actions: forms validate the input, services decide; a refused action
re-renders the page with the message next to its form and the user's input kept (never a
500, never a lost update). The page also carries the ticket's photos and documents (their
upload and file views are ``attachments``), its timeline in words and its communication
log."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from aftersales.exceptions import ActionForbidden, ApplicationError
from aftersales.platform.selectors import ticket_notifications
from aftersales.uploads import TICKET_ATTACHMENT, size_label
from technicians.choices import reason_label

from .. import forms, services
from ..choices import Action, TicketCategory, TicketStatus
from ..models import TicketAttachment
from ..presenters import (
    PiiReads,
    customer_phone,
    message_address,
    pii_reads_record,
    timeline_entries,
)
from ..selectors import ticket_events, ticket_list
from .common import _is_field_technician


@dataclass(frozen=True)
class PageAction:
    form: type
    service: object
    template: str = "tickets/actions/_generic.html"
    danger: bool = False
    label: str | None = None  # when the table's label reads ambiguously on a button


# Display order: the step that moves the ticket forward first, housekeeping after.
ACTIONS = {
    Action.TRIAGE: PageAction(forms.TriageForm, services.ticket_triage, "warranty/_triage.html"),
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
# The step that moves the ticket on, in lifecycle order: the first one the user may take
# is "the next action", shown first with its form open.
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


def _visible_actions(ticket, user):
    """The allowed actions, in page order."""
    allowed = set(services.ticket_allowed_actions(ticket=ticket, actor=user))
    return [action for action in ACTIONS if action in allowed]


def next_action(ticket, visible):
    """The action that moves ``ticket`` on for this user, or None: the first forward step
    they may take; a consultation the desk cannot dispatch is resolved remotely."""
    for action in FORWARD_ACTIONS:
        if action in visible:
            return action
    if Action.RESOLVE_REMOTELY in visible and ticket.category == TicketCategory.CONSULTATION:
        return Action.RESOLVE_REMOTELY
    return None


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


def _panels(ticket, user, bound, error):
    """The action panels in page order: a form that just failed first (open, its message
    beside it), else the next action first and open; the others folded, in table order."""
    visible = _visible_actions(ticket, user)
    failed = bound[0] if bound else None
    forward = next_action(ticket, visible)
    ordered = sorted(visible, key=lambda a: (a != failed, a != forward))
    panels = []
    for action in ordered:
        is_failed = action == failed
        panels.append(
            {
                "action": action,
                "label": _label(action),
                "form": bound[1] if is_failed else _action_form(action, ticket, user),
                "template": ACTIONS[action].template,
                "danger": ACTIONS[action].danger,
                "open": is_failed or (not bound and action == forward),
                "error": error if is_failed else None,
                "next": action == forward,
            }
        )
    if bound and failed not in visible:
        # The action is no longer possible (the ticket moved on): still show what was typed.
        panels.insert(
            0,
            {
                "action": failed,
                "label": _label(failed),
                "form": bound[1],
                "template": ACTIONS[failed].template,
                "open": True,
                "stale": True,
                "error": error,
            },
        )
    return panels


def attachment_form(ticket, user, *, data=None, files=None, refused=False):
    """The upload form of the ticket page (None when ``user`` may not add): a technician
    on their job gets the camera (photos only), the desk photos and PDFs."""
    if not services.ticket_attachment_allowed(ticket=ticket, actor=user):
        return None
    limit = size_label(TICKET_ATTACHMENT.max_bytes)
    too_large = _(
        "The file is larger than %(limit)s: nothing was uploaded. Choose a smaller "
        "file (a photo at a lower resolution, a PDF with fewer pages)."
    ) % {"limit": limit}
    return forms.AttachmentForm(
        data,
        files,
        photos_only=_is_field_technician(user),
        limit_label=limit,
        max_bytes=TICKET_ATTACHMENT.max_bytes,
        too_large_message=too_large,
        refused=refused,
        auto_id="id_attachment_%s",
    )


def _attachments(ticket, user):
    """The ticket's photos and documents (one query), each marked removable or not."""
    rows = list(TicketAttachment.objects.of_ticket(ticket))
    for row in rows:
        row.removable = services.ticket_attachment_removable(
            attachment=row, ticket=ticket, actor=user
        )
    return {
        "photos": [row for row in rows if row.is_photo],
        "documents": [row for row in rows if not row.is_photo],
    }


def render_detail(request, ticket, *, bound=None, error=None, status=200, upload_form=None):
    """The ticket page; ``bound`` is the (action, form) that just failed, shown open,
    ``upload_form`` the attachment form that just failed."""
    user = request.user
    panels = _panels(ticket, user, bound, error)
    reads = PiiReads()
    phone, show_phone = customer_phone(
        user=user, customer=ticket.customer, ticket=ticket, reads=reads
    )
    messages_log = _messages_log(ticket, user, reads)
    pii_reads_record(actor=user, reads=reads)
    failed = panels[0] if bound else None  # a failed form is always the first panel
    return render(
        request,
        "tickets/ticket_detail.html",
        {
            "ticket": ticket,
            "sla_state": ticket.sla_state(),
            "show_phone": show_phone,
            "phone": phone,
            "timeline": timeline_entries(ticket_events(ticket=ticket)),
            "messages_log": messages_log,
            "panels": panels,
            "failed_panel": failed,
            "lifecycle": _lifecycle(ticket),
            "attachments": _attachments(ticket, user),
            "upload_form": upload_form or attachment_form(ticket, user),
            # The assigned technician records the work on the job page (parts from the van).
            "job_page": ticket.status in (TicketStatus.DISPATCHED, TicketStatus.ON_SITE)
            and ticket.technician is not None
            and ticket.technician.user_id == user.pk,
        },
        status=status,
    )


@login_required
def ticket_detail_page(request, pk):
    ticket = get_object_or_404(ticket_list(user=request.user).with_product(), pk=pk)
    return render_detail(request, ticket)


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
    return render_detail(request, ticket, bound=(action, form), error=error, status=status)
