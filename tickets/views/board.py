"""The dispatch board: technicians as rows on a day or week timeline with their booked jobs
and absences, the triaged tickets nobody is sent to yet beside it, and the ranked
candidates for the ticket picked.

Reads are ``technicians.board`` (bounded, indexed) and ``technicians.selectors.
dispatch_candidates`` (the one ranking); every booking goes through ``ticket_dispatch`` or
``ticket_reschedule``. The calendar (static/js/board.js, @event-calendar) gets its rows
and events as JSON in the page; dragging posts to ``dispatch_board_book``, which answers
JSON to the script and a page to a plain form (the keyboard path works without JS).
"""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from aftersales.exceptions import ApplicationError
from aftersales.roles import Role
from technicians.board import (
    MAX_ROWS,
    board_absences,
    board_bookings,
    board_technicians,
    board_unassigned,
)
from technicians.choices import AbsenceKind, reason_label
from technicians.selectors import dispatch_candidates

from .. import services
from ..choices import TicketStatus
from ..forms import BoardBookingForm, BoardFilterForm
from ..models import Ticket
from .common import role_required
from .detail import ERROR_TITLES

# Status colours on the timeline (the title says the status in words too).
STATUS_COLOURS = {
    TicketStatus.DISPATCHED: ("#1f6feb", "#ffffff"),
    TicketStatus.ON_SITE: ("#8250df", "#ffffff"),
    TicketStatus.AWAITING_CONFIRMATION: ("#9a6700", "#ffffff"),
    TicketStatus.CLOSED: ("#1a7f37", "#ffffff"),
    TicketStatus.FOLLOWED_UP: ("#57606a", "#ffffff"),
}
DEFAULT_WINDOW = datetime.timedelta(hours=2)
TOP_CANDIDATES = 10
FORM_CANDIDATES = 30
DRAG_REASON = "Moved on the dispatch board"
_WALL_CLOCK = "%Y-%m-%dT%H:%M:%S"


def _wall_clock(instant, zone=None):
    """An instant as the local wall-clock time the calendar reads (TIME_ZONE)."""
    return instant.astimezone(zone or timezone.get_current_timezone()).strftime(_WALL_CLOCK)


def _window(day, view):
    """The board's days: ``day`` alone, or the Monday-to-Sunday week holding it."""
    if view == "week":
        first = day - datetime.timedelta(days=day.weekday())
        return first, first + datetime.timedelta(days=6)
    return day, day


def _filters(params):
    form = BoardFilterForm(params)
    form.is_valid()
    day = form.value("date", timezone.localdate())
    view = form.value("view", "day")
    area, outlet, skill = form.value("area"), form.value("outlet"), form.value("skill")
    return form, {
        "day": day,
        "view": view,
        "area": area,
        "outlet": outlet,
        "skill": skill,
    }


def _rows(state):
    """The technicians the filters in ``state`` select (``board_technicians``)."""
    return board_technicians(
        area_id=state["area"].pk if state["area"] else None,
        outlet_id=state["outlet"].pk if state["outlet"] else None,
        category_id=state["skill"].pk if state["skill"] else None,
        day=state["day"],
    )


def _query(state, **changes):
    """The board's query string for ``state`` with ``changes`` applied."""
    values = {
        "date": state["day"].isoformat(),
        "view": state["view"],
        "area": state["area"].pk if state["area"] else "",
        "outlet": state["outlet"].pk if state["outlet"] else "",
        "skill": state["skill"].pk if state["skill"] else "",
    }
    values.update(changes)
    return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def job_event(ticket, labels=None, zone=None):
    """A booked job as a calendar event (``labels``: status labels, looked up once for
    a whole board)."""
    background, text = STATUS_COLOURS.get(ticket.status, ("#57606a", "#ffffff"))
    label = (labels or {}).get(ticket.status) or TicketStatus(ticket.status).label
    return {
        "id": f"ticket-{ticket.pk}",
        "resourceIds": [str(ticket.technician_id)],
        "start": _wall_clock(ticket.appointment_start, zone),
        "end": _wall_clock(ticket.appointment_end, zone),
        "title": f"{ticket.number} · {label}",
        "backgroundColor": background,
        "textColor": text,
        "classNames": ["job", f"job-{ticket.status}"],
        # Only a dispatched job can still be moved (ticket_reschedule's from-status).
        "startEditable": ticket.status == TicketStatus.DISPATCHED,
        "durationEditable": ticket.status == TicketStatus.DISPATCHED,
        "extendedProps": {
            "ticket": ticket.pk,
            "number": ticket.number,
            "version": ticket.version,
            "status": ticket.status,
        },
    }


def _absence_event(absence):
    end = absence.ends_on + datetime.timedelta(days=1)
    return {
        "id": f"absence-{absence.pk}",
        "resourceIds": [str(absence.technician_id)],
        "start": f"{absence.starts_on.isoformat()}T00:00:00",
        "end": f"{end.isoformat()}T00:00:00",
        "title": _("Absent: %(kind)s") % {"kind": AbsenceKind(absence.kind).label},
        "display": "background",
        "classNames": ["absence"],
    }


def _candidates(ticket, day, row_ids, selected=None):
    """The ranking for ``ticket`` on ``day`` as the panel shows it: the best eligible
    technicians, then those on the board's rows who may not go, each with reasons in
    words; and the full list for the form's drop-down (eligible first)."""
    ranked = dispatch_candidates(ticket=ticket, day=day)
    shown = set(row_ids)
    listed = [c for c in ranked if c["eligible"] or c["technician"].pk in shown]
    separator = pgettext("list separator", ", ")

    def entry(candidate):
        return {
            **candidate,
            "reason_text": separator.join(
                reason_label(r) for r in candidate["reasons"] if r != "training_incomplete"
            ),
            "training_incomplete": "training_incomplete" in candidate["reasons"],
        }

    eligible = [c for c in ranked if c["eligible"]]
    refused = [entry(c) for c in listed if not c["eligible"]]
    # The drop-down offers the best eligible and whoever the form already names (a refused
    # choice shown again with its reasons), not every technician: a select of thousands
    # of options is slow to render and to use.
    offered = eligible[:FORM_CANDIDATES]
    named = {c["technician"].pk for c in offered}
    offered += [c for c in ranked if c["technician"].pk == selected and selected not in named]
    return {
        "top": [entry(c) for c in eligible[:TOP_CANDIDATES]],
        "eligible_count": len(eligible),
        "refused": refused,
        "for_form": offered,
    }


def _selected_ticket(params):
    try:
        pk = int(params.get("ticket", ""))
    except ValueError:
        return None
    return (
        Ticket.objects.filter(pk=pk, status=TicketStatus.TRIAGED, technician__isnull=True)
        .select_related("area")
        .first()
    )


def _default_slot(day):
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    now = timezone.localtime()
    if start <= now:  # today, after nine: the next whole hour
        start = now.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)
    return start, start + DEFAULT_WINDOW


def _panel(ticket, state, row_ids, form=None, error=None):
    """The side panel's context for the picked ticket (or None)."""
    if ticket is None:
        return None
    selected = None
    if form is not None:
        try:
            selected = int(form.data.get("technician", ""))
        except ValueError:
            selected = None
    candidates = _candidates(ticket, state["day"], row_ids, selected)
    if form is None:
        start, end = _default_slot(state["day"])
        first = candidates["top"][0]["technician"].pk if candidates["top"] else None
        form = BoardBookingForm(
            initial={
                "ticket": ticket.pk,
                "version": ticket.version,
                "technician": first,
                "appointment_start": start,
                "appointment_end": end,
            },
            candidates=candidates["for_form"],
        )
    else:
        form.fields["technician"].rank(candidates["for_form"])
    return {"ticket": ticket, "candidates": candidates, "form": form, "error": error}


def _board_context(request, params, *, ticket=None, form=None, error=None):
    filter_form, state = _filters(params)
    first, last = _window(state["day"], state["view"])
    rows, total = _rows(state)
    row_ids = [t.pk for t in rows]
    labels = {status: str(label) for status, label in TicketStatus.choices}
    zone = timezone.get_current_timezone()
    bookings = board_bookings(technician_ids=row_ids, first=first, last=last)
    events = [job_event(t, labels, zone) for t in bookings]
    events += [
        _absence_event(a) for a in board_absences(technician_ids=row_ids, first=first, last=last)
    ]
    unassigned = board_unassigned(area_id=state["area"].pk if state["area"] else None)
    if ticket is None:
        ticket = _selected_ticket(params)
    step = datetime.timedelta(days=7 if state["view"] == "week" else 1)
    calendar = {
        "view": "resourceTimelineWeek" if state["view"] == "week" else "resourceTimelineDay",
        "date": first.isoformat(),
        "resources": [{"id": str(t.pk), "title": f"{t.full_name} ({t.employee_no})"} for t in rows],
        "events": events,
        "bookUrl": reverse("dispatch-board-book"),
        "candidatesUrl": reverse("dispatch-board-candidates"),
        "query": _query(state),
        "window": int(DEFAULT_WINDOW.total_seconds() // 60),
    }
    return {
        "filter_form": filter_form,
        "state": state,
        "first": first,
        "last": last,
        "rows": rows,
        "total": total,
        "max_rows": MAX_ROWS,
        "calendar": calendar,
        "unassigned": unassigned,
        "now": timezone.now(),
        "panel": _panel(ticket, state, row_ids, form=form, error=error),
        "query": _query(state),
        "prev_query": _query(state, date=(state["day"] - step).isoformat()),
        "next_query": _query(state, date=(state["day"] + step).isoformat()),
        "today_query": _query(state, date=timezone.localdate().isoformat()),
        "day_query": _query(state, view="day"),
        "week_query": _query(state, view="week"),
    }


@role_required(Role.SUPERVISOR)
def dispatch_board_page(request):
    """The board for the day or week asked for; ``?ticket=`` opens its ranked candidates."""
    return render(request, "tickets/dispatch_board.html", _board_context(request, request.GET))


@role_required(Role.SUPERVISOR)
def dispatch_board_candidates(request):
    """The side panel alone (htmx): the picked ticket ranked for the day asked for."""
    _form, state = _filters(request.GET)
    ticket = _selected_ticket(request.GET)
    rows, _total = _rows(state)
    return render(
        request,
        "tickets/_board_panel.html",
        {
            "panel": _panel(ticket, state, [t.pk for t in rows]),
            "state": state,
            "query": _query(state),
            "missing": ticket is None and bool(request.GET.get("ticket")),
        },
    )


def _refusal(exc):
    """A refused booking in words: the title and the reasons as labels."""
    if exc.code == "not_qualified" and exc.extra.get("reasons"):
        reasons = [reason_label(r) for r in exc.extra["reasons"]]
        return str(ERROR_TITLES["not_qualified"]), reasons
    title = ERROR_TITLES.get(exc.code)
    if exc.code == "stale_version" or not title:
        return str(title or exc.message), []
    return str(title), [exc.message]


def _book(ticket, form, actor):
    """Dispatch a triaged ticket or reschedule a dispatched one, through the services."""
    data = form.cleaned_data
    kwargs = {
        "ticket": ticket,
        "actor": actor,
        "appointment_start": data["appointment_start"],
        "appointment_end": data["appointment_end"],
        "expected_version": data.get("version") or None,
    }
    if ticket.status == TicketStatus.DISPATCHED:
        technician = data["technician"]
        return services.ticket_reschedule(
            **kwargs,
            technician=technician if technician.pk != ticket.technician_id else None,
            reason=data.get("reason") or DRAG_REASON,
        )
    return services.ticket_dispatch(**kwargs, technician=data["technician"])


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


BOOKING_REFUSED = gettext_lazy("The booking was not made.")


@require_POST
@role_required(Role.SUPERVISOR)
def dispatch_board_book(request):
    """Book a ticket on the board (dispatch, or reschedule a booked job).

    To the board's script: JSON, ``{"ok": true, "message", "event"}`` or ``{"ok": false,
    "message", "reasons"}`` with 400/409 and nothing changed. To a plain form: back to the
    board on success, else the board again with the form, its input and the reasons.
    """
    form = BoardBookingForm(request.POST)
    ticket = None
    title, reasons, status = None, [], 400
    if form.is_valid():
        ticket = Ticket.objects.filter(pk=form.cleaned_data["ticket"]).first()
        if ticket is None:
            title = _("This ticket does not exist.")
        else:
            try:
                booked = _book(ticket, form, request.user)
            except ApplicationError as exc:
                title, reasons = _refusal(exc)
                status = exc.status
            except ValidationError as exc:
                title, reasons = str(BOOKING_REFUSED), exc.messages
            else:
                message = _("%(number)s booked with %(name)s, %(start)s–%(end)s.") % {
                    "number": booked.number,
                    "name": booked.technician.full_name,
                    "start": timezone.localtime(booked.appointment_start).strftime(
                        "%Y-%m-%d %H:%M"
                    ),
                    "end": timezone.localtime(booked.appointment_end).strftime("%H:%M"),
                }
                if _wants_json(request):
                    return JsonResponse(
                        {"ok": True, "message": message, "event": job_event(booked)}
                    )
                messages.success(request, message)
                return redirect(f"{reverse('dispatch-board-page')}?{_board_return(request)}")
    else:
        title = str(BOOKING_REFUSED)
        reasons = [
            f"{form.fields[f].label if f in form.fields else ''}: {e}".lstrip(": ")
            for f, errs in form.errors.items()
            for e in errs
        ]
    if _wants_json(request):
        return JsonResponse({"ok": False, "message": title, "reasons": reasons}, status=status)
    params = request.GET.copy()
    if ticket is not None and ticket.status == TicketStatus.TRIAGED:
        params["ticket"] = str(ticket.pk)
    error = {"title": title, "reasons": reasons}
    context = _board_context(
        request,
        params,
        ticket=_selected_ticket(params),
        form=form,
        error=error,
    )
    if context["panel"] is None:
        context["board_error"] = error
    return render(request, "tickets/dispatch_board.html", context, status=status)


def _board_return(request):
    """The board's filters to return to (they ride on the form's action URL)."""
    _form, state = _filters(request.GET)
    return _query(state)
