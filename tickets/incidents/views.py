"""The incident pages (应急): the list (open first, grade badges, countdowns), the
declaration, and the incident page — stages with due times, linked tickets (paged), the
rule with its preview, a manual link and unlink, the notice with its preview, the review
and the incident's timeline. Reads from ``selectors``, writes through ``services``."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.exceptions import ApplicationError
from aftersales.roles import Role, has_role
from tickets.models import Ticket

from . import selectors, services
from .choices import CLOCK_LABELS, NEXT_STAGE, IncidentGrade, IncidentStage
from .forms import DeclareForm, LinkForm, NoticeForm, ReviewForm, RuleForm, StageForm, UnlinkForm
from .models import Incident, IncidentNotice

READERS = (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR)
LINKS_PER_PAGE = 25
STAGE_SERVICES = {
    IncidentStage.RESPONDED: services.incident_respond,
    IncidentStage.HANDLED: services.incident_handle,
    IncidentStage.CLOSED: services.incident_close,
}
STAGE_BUTTONS = {
    IncidentStage.RESPONDED: gettext_lazy("Record the response"),
    IncidentStage.HANDLED: gettext_lazy("Record the initial handling"),
    IncidentStage.CLOSED: gettext_lazy("Close the loop"),
}


def _role_required(*roles):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


def _add_errors(form, exc):
    if hasattr(exc, "message_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@_role_required(*READERS)
def incident_list_page(request):
    """Every incident, open first; each with its grade, stage, running clock and links."""
    now = timezone.now()
    page = Paginator(selectors.incidents_list(), 50).get_page(request.GET.get("page"))
    rows = [{"incident": i, "clock": selectors.current_clock(i, now)} for i in page]
    context = {
        "now": now,
        "page": page,
        "rows": rows,
        "may_declare": has_role(request.user, Role.SUPERVISOR),
    }
    return render(request, "incidents/list.html", context)


@_role_required(Role.SUPERVISOR)
def incident_declare_page(request):
    """The declaration form; a declared incident opens its page."""
    form = DeclareForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                incident = services.incident_declare(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, _("Incident %(number)s declared.") % {"number": incident.number}
                )
                return redirect("incident-page", pk=incident.pk)
        status = 400
    return render(request, "incidents/declare.html", {"form": form}, status=status)


def _incident(pk):
    incident = Incident.objects.filter(pk=pk).select_related("declared_by").first()
    if incident is None:
        raise Http404
    return incident


def _forms(incident, data=None, which=None):
    """The page's forms, bound only for the one submitted (``which``)."""

    def bound(name):
        return data if which == name else None

    rule_initial = {}
    if incident.has_rule:
        models, areas = selectors.rule_names(incident)
        rule_initial = {
            "product_models": " ".join(m.code for m in models),
            "areas": " ".join(a.code for a in areas),
        }
        if incident.rule_created_from:
            rule_initial["created_from"] = timezone.localtime(incident.rule_created_from).date()
        if incident.rule_created_until:
            last = timezone.localtime(incident.rule_created_until) - timezone.timedelta(days=1)
            rule_initial["created_to"] = last.date()
    review = getattr(incident, "review", None)
    review_initial = (
        {
            "cause": review.cause,
            "actions_taken": review.actions_taken,
            "lessons": review.lessons,
            "follow_up": review.follow_up,
        }
        if review
        else {}
    )
    return {
        "stage": StageForm(bound("stage"), prefix="stage", initial={"version": incident.version}),
        "rule": RuleForm(bound("rule"), prefix="rule", initial=rule_initial),
        "link": LinkForm(bound("link"), prefix="link"),
        "unlink": UnlinkForm(bound("unlink"), prefix="unlink"),
        "notice": NoticeForm(bound("notice"), prefix="notice"),
        "review": ReviewForm(bound("review"), prefix="review", initial=review_initial),
    }


@_role_required(*READERS)
def incident_page(request, pk):
    """One incident. Supervisors POST one of its forms (``form`` = stage, rule, link,
    unlink, notice, send, review); the rule form has two steps: ``step=preview`` counts
    the tickets it would link, ``step=confirm`` sets it and links them."""
    incident = _incident(pk)
    may_write = has_role(request.user, Role.SUPERVISOR)
    which = request.POST.get("form") if request.method == "POST" else None
    forms = _forms(incident, request.POST, which)
    context = {"rule_preview": None, "draft": None, "page_error": ""}
    status = 200
    if which:
        if not may_write:
            raise PermissionDenied
        try:
            done = _handle(request, incident, which, forms, context)
        except ValidationError as exc:
            if which in forms:
                _add_errors(forms[which], exc)
            else:
                context["page_error"] = " ".join(exc.messages)
            done = None
        except ApplicationError as exc:
            if which in forms:
                forms[which].add_error(None, exc.message)
            else:
                context["page_error"] = exc.message
            done = None
        if done:
            messages.success(request, done)
            return redirect("incident-page", pk=incident.pk)
        if context["rule_preview"] is None and context["draft"] is None:
            status = 400
        incident = _incident(pk)
    now = timezone.now()
    links = Paginator(selectors.incident_links(incident), LINKS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    next_stage = NEXT_STAGE.get(incident.stage, (None,))[0]
    drafts = incident.notices.filter(sent_at__isnull=True)
    context.update(
        incident=incident,
        forms=forms,
        may_write=may_write,
        clocks=selectors.incident_due_summary(incident, now),
        current=selectors.current_clock(incident, now),
        next_stage=next_stage,
        next_label=STAGE_BUTTONS.get(next_stage, ""),
        linked_page=links,
        linked_count=links.paginator.count,
        rule_models=selectors.rule_names(incident) if incident.has_rule else None,
        notices=incident.notices.select_related("sent_by").filter(sent_at__isnull=False),
        drafts=drafts,
        review=getattr(incident, "review", None) if hasattr(incident, "review") else None,
        timeline=_timeline(selectors.incident_timeline(incident)),
        now=now,
    )
    return render(request, "incidents/incident.html", context, status=status)


def _label(choices, code):
    return choices(code).label if code in choices.values else ""


def _timeline(events):
    """The incident's timeline in words (codes and counts from the payload)."""
    rows = []
    for event in events:
        p = event.payload
        detail = ""
        if event.kind == "stage":
            detail = (
                IncidentStage(p["stage"]).label if p.get("stage") in IncidentStage.values else ""
            )
            if p.get("late"):
                detail = _("%(stage)s, after its due time") % {"stage": detail}
            if p.get("note"):
                detail = f"{detail} · {p['note']}"
        elif event.kind in ("rule_linked", "notice_sent"):
            detail = str(p.get("count", 0))
        elif event.kind in ("linked", "unlinked"):
            detail = p.get("number") or str(p.get("ticket", ""))
            if p.get("method") == "arrival":
                detail = _("%(ticket)s, on arrival") % {"ticket": detail}
            if p.get("reason"):
                detail = f"{detail} · {p['reason']}"
        elif event.kind == "overdue":
            detail = str(CLOCK_LABELS.get(p.get("clock"), ""))
        elif event.kind == "declared":
            detail = (
                IncidentGrade(p["grade"]).label if p.get("grade") in IncidentGrade.values else ""
            )
        actor = (event.actor.get_full_name() or event.actor.username) if event.actor else ""
        rows.append(
            {
                "created_at": event.created_at,
                "label": event.get_kind_display(),
                "detail": detail,
                "actor": actor,
            }
        )
    return rows


def _handle(request, incident, which, forms, context):
    """Run the submitted form's service; the success message, or None to show the page."""
    actor = request.user
    if which == "send":
        notice = IncidentNotice.objects.filter(
            pk=request.POST.get("notice") or 0, incident=incident
        ).first()
        if notice is None:
            raise Http404
        notice = services.incident_notice_send(notice=notice, actor=actor)
        return _("Notice sent to %(count)s customers.") % {"count": notice.recipients}
    form = forms.get(which)
    if form is None or not form.is_valid():
        return None
    data = form.cleaned_data
    if which == "stage":
        service = STAGE_SERVICES.get(NEXT_STAGE.get(incident.stage, (None,))[0])
        if service is None:
            form.add_error(None, _("This incident is closed."))
            return None
        service(incident=incident, actor=actor, note=data["note"], expected_version=data["version"])
        return _("Stage recorded.")
    if which == "rule":
        rule = form.rule()
        if request.POST.get("step") != "confirm":
            context["rule_preview"] = services.incident_rule_preview(incident=incident, **rule)
            return None
        services.incident_rule_set(incident=incident, actor=actor, **rule)
        count = services.incident_link_by_rule(incident=incident, actor=actor)
        return _("%(count)s tickets linked by the rule.") % {"count": count}
    if which == "link":
        services.incident_ticket_link(incident=incident, actor=actor, ticket=data["ticket"])
        return _("Ticket %(number)s linked.") % {"number": data["ticket"].number}
    if which == "unlink":
        services.incident_ticket_unlink(
            incident=incident, actor=actor, ticket=data["ticket"], reason=data["reason"]
        )
        return _("Ticket %(number)s unlinked.") % {"number": data["ticket"].number}
    if which == "notice":
        draft = services.incident_notice_draft(incident=incident, actor=actor, **data)
        context["draft"] = draft
        context["draft_count"] = selectors.notice_audience_count(incident)
        return None
    if which == "review":
        services.incident_review_record(incident=incident, actor=actor, **data)
        return _("Review recorded.")
    return None


@_role_required(Role.SUPERVISOR)
def incident_link_ticket(request):
    """From the ticket page: link the ticket to the chosen open incident (POST only)."""
    if request.method != "POST":
        raise Http404
    ticket = Ticket.objects.filter(pk=_int(request.POST.get("ticket"))).first()
    incident = Incident.objects.filter(pk=_int(request.POST.get("incident"))).first()
    if ticket is None or incident is None:
        raise Http404
    try:
        services.incident_ticket_link(incident=incident, actor=request.user, ticket=ticket)
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Linked to incident %(number)s.") % {"number": incident.number})
    return redirect("ticket-detail-page", pk=ticket.pk)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
