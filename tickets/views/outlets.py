"""The pages of service outlets (网点) and partner evaluation (合作伙伴评估).

Supervisors: the outlet list and detail (areas, technicians and their certificates,
open tickets, scorecards) and the forms; auditors read; an outlet dispatcher sees only
their own outlets. The customers' outlet list per area is public (``/service/outlets/``).
Sending a ticket to an outlet: ``/outlets/send/<ticket>/`` (supervisors). Every write is
one service call.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.exceptions import ApplicationError
from aftersales.roles import Role, has_role
from technicians.models import Technician
from technicians.outlets import services as outlet_services
from technicians.outlets.forms import (
    OutletAreasForm,
    OutletDispatcherForm,
    OutletForm,
    OutletTechnicianForm,
    PublicAreaForm,
    ScorecardAssessForm,
    ScorecardDraftForm,
    TicketOutletForm,
)
from technicians.outlets.models import Outlet, PartnerScorecard
from technicians.outlets.selectors import (
    outlet_detail,
    outlet_list,
    outlet_open_ticket_counts,
    outlet_open_tickets,
    outlets_serving,
    public_outlets,
    scorecard_list,
)

from .. import services
from ..choices import TicketStatus
from ..selectors import ticket_list
from .common import role_required

READERS = (Role.SUPERVISOR, Role.AUDITOR, Role.OUTLET_DISPATCHER)


def _error_text(exc):
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return exc.message


def _visible_outlet(request, pk):
    try:
        return outlet_list(user=request.user).get(pk=pk)
    except Outlet.DoesNotExist as exc:
        raise Http404 from exc


@role_required(*READERS)
def outlet_list_page(request):
    outlets = list(outlet_list(user=request.user))
    open_counts = outlet_open_ticket_counts([o.pk for o in outlets])
    for outlet in outlets:
        outlet.open_tickets = open_counts.get(outlet.pk, 0)
    return render(
        request,
        "outlets/outlet_list.html",
        {"outlets": outlets, "can_edit": has_role(request.user, Role.SUPERVISOR)},
    )


def _certificate_state(technician, today):
    valid = [c for c in technician.certifications.all() if c.expires_on >= today]
    if not valid:
        return "expired", _("No valid certificate")
    soonest = min(c.expires_on for c in valid)
    if (soonest - today).days <= 30:
        return "expiring", _("Expires %(date)s") % {"date": soonest.isoformat()}
    return "valid", _("%(count)s valid") % {"count": len(valid)}


def _detail_context(request, outlet, **forms):
    outlet = outlet_detail(pk=outlet.pk)
    today = timezone.localdate()
    technicians = []
    for technician in outlet.technicians.all():
        state, text = _certificate_state(technician, today)
        technicians.append({"technician": technician, "state": state, "state_text": text})
    can_edit = has_role(request.user, Role.SUPERVISOR)
    first = today.replace(day=1)
    context = {
        "outlet": outlet,
        "technicians": technicians,
        "open_tickets": outlet_open_tickets(outlet=outlet),
        "scorecards": scorecard_list(outlet=outlet)[:24]
        if has_role(request.user, Role.SUPERVISOR, Role.AUDITOR)
        else [],
        "can_edit": can_edit,
    }
    if can_edit:
        context.update(
            edit_form=forms.get("edit_form") or OutletForm(instance=outlet, creating=False),
            areas_form=forms.get("areas_form")
            or OutletAreasForm(initial={"areas": list(outlet.areas.all())}),
            dispatcher_form=forms.get("dispatcher_form") or OutletDispatcherForm(),
            technician_form=forms.get("technician_form") or OutletTechnicianForm(),
            scorecard_form=forms.get("scorecard_form")
            or ScorecardDraftForm(initial={"period_start": first, "period_end": today}),
        )
    return context


@role_required(*READERS)
def outlet_detail_page(request, pk):
    outlet = _visible_outlet(request, pk)
    return render(request, "outlets/outlet_detail.html", _detail_context(request, outlet))


@role_required(Role.SUPERVISOR)
def outlet_create_page(request):
    form = OutletForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            outlet = outlet_services.outlet_create(actor=request.user, **data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Outlet %(code)s created.") % {"code": outlet.code})
            return redirect("outlet-detail-page", pk=outlet.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "outlets/outlet_form.html", {"form": form}, status=status)


def _add_errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# What each detail-page form posts to: (form class, context name, service call).
def _edit(outlet, actor, data):
    return outlet_services.outlet_update(outlet=outlet, actor=actor, **data)


def _areas(outlet, actor, data):
    return outlet_services.outlet_set_areas(outlet=outlet, actor=actor, areas=data["areas"])


def _add_dispatcher(outlet, actor, data):
    return outlet_services.outlet_add_dispatcher(outlet=outlet, actor=actor, user=data["user"])


def _add_technician(outlet, actor, data):
    return outlet_services.outlet_add_technician(
        outlet=outlet, actor=actor, technician=data["technician"]
    )


def _scorecard(outlet, actor, data):
    return outlet_services.scorecard_draft(outlet=outlet, actor=actor, **data)


OUTLET_FORMS = {
    "edit": (lambda data: OutletForm(data, creating=False), "edit_form", _edit),
    "areas": (OutletAreasForm, "areas_form", _areas),
    "add-dispatcher": (OutletDispatcherForm, "dispatcher_form", _add_dispatcher),
    "add-technician": (OutletTechnicianForm, "technician_form", _add_technician),
    "scorecard": (ScorecardDraftForm, "scorecard_form", _scorecard),
}
DONE = {
    "edit": _("Details saved."),
    "areas": _("Areas saved."),
    "add-dispatcher": _("Dispatcher added."),
    "add-technician": _("Technician added."),
}


@require_POST
@role_required(Role.SUPERVISOR)
def outlet_form_page(request, pk, form_name):
    """One of the detail page's forms; on success back to the page (PRG)."""
    outlet = get_object_or_404(Outlet, pk=pk)
    if form_name not in OUTLET_FORMS:
        raise Http404
    make, context_name, call = OUTLET_FORMS[form_name]
    form = make(request.POST)
    if form.is_valid():
        try:
            result = call(outlet, request.user, dict(form.cleaned_data))
        except (ValidationError, ApplicationError) as exc:
            if isinstance(exc, ValidationError):
                _add_errors(form, exc)
            else:
                form.add_error(None, _error_text(exc))
        else:
            if form_name == "scorecard":
                return redirect("scorecard-page", pk=result.pk)
            messages.success(request, DONE[form_name])
            return redirect("outlet-detail-page", pk=outlet.pk)
    context = _detail_context(request, outlet, **{context_name: form})
    return render(request, "outlets/outlet_detail.html", context, status=400)


@require_POST
@role_required(Role.SUPERVISOR)
def outlet_remove_page(request, pk, what, member):
    """Remove a dispatcher (``what=dispatcher``) or a technician from the outlet."""
    outlet = get_object_or_404(Outlet, pk=pk)
    if what == "dispatcher":
        user = get_object_or_404(get_user_model(), pk=member)
        outlet_services.outlet_remove_dispatcher(outlet=outlet, actor=request.user, user=user)
        messages.success(request, _("Dispatcher removed."))
    elif what == "technician":
        technician = get_object_or_404(Technician, pk=member)
        try:
            outlet_services.outlet_remove_technician(
                outlet=outlet, actor=request.user, technician=technician
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Technician removed."))
    else:
        raise Http404
    return redirect("outlet-detail-page", pk=outlet.pk)


# --- scorecards -------------------------------------------------------------------------


def _scorecard_context(card, form=None):
    card = PartnerScorecard.objects.select_related("outlet", "evaluator").get(pk=card.pk)
    return {
        "card": card,
        "form": form
        or ScorecardAssessForm(
            initial={
                "capability": card.capability or "",
                "technical": card.technical or "",
                "reputation": card.reputation or "",
                "assessment": card.assessment,
                "version": card.version,
            }
        ),
    }


@role_required(Role.SUPERVISOR, Role.AUDITOR)
def scorecard_page(request, pk):
    card = get_object_or_404(PartnerScorecard, pk=pk)
    context = _scorecard_context(card)
    context["can_edit"] = has_role(request.user, Role.SUPERVISOR) and not card.is_final
    return render(request, "outlets/scorecard.html", context)


@require_POST
@role_required(Role.SUPERVISOR)
def scorecard_action_page(request, pk, action):
    """``assess`` (the form), ``refresh`` or ``finalise`` a draft."""
    card = get_object_or_404(PartnerScorecard, pk=pk)
    form = None
    try:
        if action == "assess":
            form = ScorecardAssessForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Give every mark from 1 to 5."))
            data = form.cleaned_data
            outlet_services.scorecard_assess(
                scorecard=card,
                actor=request.user,
                expected_version=data.pop("version"),
                **data,
            )
            messages.success(request, _("Assessment saved."))
        elif action == "refresh":
            outlet_services.scorecard_refresh(scorecard=card, actor=request.user)
            messages.success(request, _("KPIs counted again."))
        elif action == "finalise":
            outlet_services.scorecard_finalise(scorecard=card, actor=request.user)
            messages.success(request, _("Scorecard finalised: it is now a record."))
        else:
            raise Http404
    except (ValidationError, ApplicationError) as exc:
        context = _scorecard_context(card, form)
        context["can_edit"] = not card.is_final
        context["error"] = _error_text(exc)
        return render(request, "outlets/scorecard.html", context, status=400)
    return redirect("scorecard-page", pk=card.pk)


# --- sending a ticket to an outlet ---------------------------------------------------------


@role_required(Role.SUPERVISOR)
def ticket_outlet_page(request, pk):
    """Send a triaged ticket to an outlet serving its area."""
    ticket = get_object_or_404(ticket_list(user=request.user), pk=pk)
    if ticket.status != TicketStatus.TRIAGED:
        raise PermissionDenied
    outlets = outlets_serving(area_id=ticket.area_id)
    form = TicketOutletForm(
        request.POST or None,
        outlets=outlets,
        initial={"version": ticket.version, "outlet": ticket.outlet_id},
    )
    error = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.ticket_dispatch_to_outlet(
                ticket=ticket,
                actor=request.user,
                outlet=data["outlet"],
                note=data["note"],
                expected_version=data["version"],
            )
        except ApplicationError as exc:
            error = _error_text(exc)
        else:
            messages.success(
                request,
                _("Sent to %(outlet)s: its dispatchers were told.") % {"outlet": data["outlet"]},
            )
            return redirect("ticket-detail-page", pk=ticket.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "outlets/ticket_outlet.html",
        {"ticket": ticket, "form": form, "error": error, "outlets": outlets},
        status=status,
    )


# --- the customers' outlet list -------------------------------------------------------------


def public_outlet_list_page(request):
    """Published outlets, with address, phone and opening hours; choose an area."""
    form = PublicAreaForm(request.GET or None)
    area = form.cleaned_data.get("area") if form.is_valid() else None
    outlets = public_outlets(area_id=area.pk if area else None)
    return render(
        request, "outlets/public_list.html", {"form": form, "outlets": outlets, "area": area}
    )


# Wired in tickets/urls.py with one line (``*outlet_views.urlpatterns``).
def _urls():
    return [
        path("outlets/", outlet_list_page, name="outlet-list-page"),
        path("outlets/new/", outlet_create_page, name="outlet-create-page"),
        path("outlets/<int:pk>/", outlet_detail_page, name="outlet-detail-page"),
        path("outlets/<int:pk>/<slug:form_name>/", outlet_form_page, name="outlet-form-page"),
        path(
            "outlets/<int:pk>/remove/<slug:what>/<int:member>/",
            outlet_remove_page,
            name="outlet-remove-page",
        ),
        path("outlets/scorecards/<int:pk>/", scorecard_page, name="scorecard-page"),
        path(
            "outlets/scorecards/<int:pk>/<slug:action>/",
            scorecard_action_page,
            name="scorecard-action-page",
        ),
        path("outlets/send/<int:pk>/", ticket_outlet_page, name="ticket-outlet-page"),
        path("service/outlets/", public_outlet_list_page, name="public-outlet-list-page"),
    ]


urlpatterns = _urls()
