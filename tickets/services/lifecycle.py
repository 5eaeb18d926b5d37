"""The ticket lifecycle: one function per action, all driven by ``choices.TRANSITIONS``.

Every function here follows one recipe, inside one transaction:
1. authorise the actor against the table row (role, and "assigned technician only");
2. check the client's expected version, then the from-status and the action's guards;
3. write with a compare-and-swap — UPDATE ... WHERE id, status and version still match —
   and treat "no row changed" as a lost race (409 ``stale_version``); this behaves the
   same on PostgreSQL and SQLite, where ``select_for_update`` does nothing;
4. write the timeline event and the audit event in the same transaction;
5. queue side effects in the same transaction: notifications (the platform's outbox,
   delivered after commit) and webhooks.
Nothing else in the code base writes ``Ticket.status``.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import ActionForbidden, InvalidTransition, NotQualified, StaleVersion
from aftersales.platform.models import WebhookEvent
from aftersales.platform.services import webhook_emit
from aftersales.roles import DESK_ROLES, Role, has_role, roles_of
from audits.services import audit_record
from parts.services import (
    stock_issue_for_ticket,
    stock_release_for_ticket,
    stock_reserve_for_ticket,
)
from technicians.outlets.selectors import outlet_dispatches
from technicians.selectors import technician_eligibility
from technicians.services import technician_lock
from technicians.tools.rules import check_in_tools_enforce
from tickets.charges.services import charges_for_completion
from tickets.knowledge.services import ticket_article_record
from tickets.surveys.choices import ResponseChannel
from tickets.surveys.services import response_record as survey_response_record
from tickets.surveys.services import return_visit_sample

from ..choices import (
    CONFIRM_REJECTED_STATUS,
    TRANSITIONS,
    Action,
    ContactVia,
    EventKind,
    TicketStatus,
)
from ..models import Ticket, TicketEvent
from ..selectors import dashboard_invalidate
from ..validators import signature_clean
from ..warranty.services import warranty_triage_decide, warranty_triage_record
from .intake import IntakeRejected, ticket_intake, ticket_webhook_payload
from .notifications import (
    ticket_completion_notice_queue,
    ticket_dispatch_notice_queue,
    ticket_survey_invitation_queue,
)
from .sla import (
    sla_clock_record,
    sla_paused_seconds_after_resume,
    sla_policy_of,
    sla_recompute_changes,
)
from .visits import check_in_window, stage_time, stage_time_facts
from .work_order import work_order_queue

MAX_ESCALATION_LEVEL = 3


def _authorization_problem(*, ticket, action, actor):
    """Why ``actor`` may not perform ``action`` on ``ticket``, as a callable building the
    ``ActionForbidden`` (None = allowed). The error and its translated message are built
    only when raised: ``ticket_allowed_actions`` asks this for every action of every
    ticket on a 50-row list."""
    if actor is None or actor.is_superuser:
        return None
    rule = TRANSITIONS[action]
    roles = roles_of(actor) & set(rule.roles)
    if not roles:
        return lambda: ActionForbidden(
            _("Your role may not do this to tickets: %(action)s.")
            % {"action": Action(action).label}
        )
    # A technician (with no desk role) acts only on jobs assigned to them.
    assigned = ticket.technician is not None and ticket.technician.user_id == actor.pk
    if rule.assigned_only and roles == {Role.TECHNICIAN} and not assigned:
        return lambda: ActionForbidden(_("This ticket is not assigned to you."))
    # An outlet dispatcher (with no desk role) acts only on their outlets' tickets.
    if roles == {Role.OUTLET_DISPATCHER} and not outlet_dispatches(
        user=actor, outlet_id=ticket.outlet_id
    ):
        return lambda: ActionForbidden(_("This ticket is not dispatched to an outlet of yours."))
    return None


def ticket_authorize(*, ticket, action, actor):
    """Raise ``ActionForbidden`` unless ``actor`` may perform ``action`` on ``ticket``.

    ``actor=None`` is the system (workers, commands) and may do anything the table allows.
    """
    problem = _authorization_problem(ticket=ticket, action=action, actor=actor)
    if problem is not None:
        raise problem()


def _guard_problem(*, ticket, action, actor):
    """The state guards beyond the table, as a callable building the error to raise
    (None = passes).

    One place for each rule, so the services enforce them and ``ticket_allowed_actions``
    never offers an action they would refuse.
    """
    extra = {"status": ticket.status, "action": action}
    if action == Action.PAUSE and ticket.sla_paused_at is not None:
        return lambda: InvalidTransition(_("The SLA clock is already paused."), extra=extra)
    if action == Action.RESUME and ticket.sla_paused_at is None:
        return lambda: InvalidTransition(_("The SLA clock is not paused."), extra=extra)
    if action == Action.ESCALATE and ticket.escalation_level >= MAX_ESCALATION_LEVEL:
        return lambda: InvalidTransition(
            _("The ticket is already at the highest escalation level."), extra=extra
        )
    if (
        action == Action.TRANSFER_OWNER
        and actor is not None
        and not (has_role(actor, Role.SUPERVISOR) or actor.pk == ticket.owner_id)
    ):
        return lambda: ActionForbidden(
            _("Only a supervisor or the current owner may transfer ownership.")
        )
    return None


def _check_guard(*, ticket, action, actor):
    problem = _guard_problem(ticket=ticket, action=action, actor=actor)
    if problem is not None:
        raise problem()


def ticket_allowed_actions(*, ticket, actor):
    """The actions ``actor`` may take on ``ticket`` now: status, role and state guards pass."""
    return [
        action
        for action, rule in TRANSITIONS.items()
        if ticket.status in rule.from_statuses
        and _authorization_problem(ticket=ticket, action=action, actor=actor) is None
        and _guard_problem(ticket=ticket, action=action, actor=actor) is None
    ]


def _check_state(*, ticket, action, expected_version):
    if expected_version is not None and expected_version != ticket.version:
        raise StaleVersion(
            _(
                "Ticket %(number)s is at version %(version)s, not %(expected)s; "
                "reload it and try again."
            )
            % {"number": ticket.number, "version": ticket.version, "expected": expected_version},
            extra={"current_version": ticket.version},
        )
    rule = TRANSITIONS[action]
    if ticket.status not in rule.from_statuses:
        raise InvalidTransition(
            _("Not possible on a ticket that is %(status)s: %(action)s.")
            % {"status": TicketStatus(ticket.status).label, "action": Action(action).label},
            extra={"status": ticket.status, "action": action},
        )


def _apply(
    *,
    ticket,
    action,
    actor,
    expected_version,
    changes,
    to_status=None,
    kind=EventKind.TRANSITION,
    payload=None,
    audit_changes=None,
):
    """Compare-and-swap the row, then write the timeline and audit events.

    The audit event records the status move and every changed column, before and after
    (``audit_changes`` overrides that, e.g. to leave out a signature).

    ``changes`` are the column values to set besides status/version/updated_at, as plain
    values (no ``F`` expressions). Returns the ticket as now stored.
    """
    _check_state(ticket=ticket, action=action, expected_version=expected_version)
    rule = TRANSITIONS[action]
    to_status = to_status or rule.to_status or ticket.status
    now = timezone.now()
    updated = Ticket.objects.filter(
        pk=ticket.pk, status=ticket.status, version=ticket.version
    ).update(status=to_status, version=F("version") + 1, updated_at=now, **changes)
    if updated != 1:
        raise StaleVersion(
            _("Ticket %(number)s was changed meanwhile by someone else; reload and try again.")
            % {"number": ticket.number}
        )
    from_status = ticket.status
    TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        created_at=now,
        payload=payload or {},
    )
    audit = {"status": [from_status, to_status]} if from_status != to_status else {}
    audit.update(_plain_changes(ticket, changes) if audit_changes is None else audit_changes)
    audit_record(actor=actor, action=f"ticket.{action}", obj=ticket, ticket=ticket, changes=audit)
    if from_status != to_status:
        webhook_emit(
            event=WebhookEvent.TICKET_STATUS_CHANGED,
            payloads=[
                ticket_webhook_payload(
                    ticket, status=to_status, from_status=from_status, action=action, at=now
                )
            ],
        )
    transaction.on_commit(dashboard_invalidate, robust=True)
    # The swap matched the version we hold and every writer bumps it, so our copy was the
    # row as it stood: applying the same changes here saves a reload (and keeps the
    # related objects already loaded).
    for field, value in changes.items():
        setattr(ticket, field, value)
    ticket.status, ticket.version, ticket.updated_at = to_status, ticket.version + 1, now
    return ticket


def _first_response(ticket, now):
    return {} if ticket.responded_at else {"responded_at": now}


def _plain_changes(ticket, changes):
    """Audit form of a change set: field → [before, after], ids for relations."""
    out = {}
    for field, new in changes.items():
        old = getattr(ticket, field)
        old, new = (getattr(old, "pk", old), getattr(new, "pk", new))
        if old != new:
            out[field] = [_jsonable(old), _jsonable(new)]
    return out


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime.datetime | datetime.date) else value


@transaction.atomic
def ticket_triage(
    *,
    ticket,
    actor,
    priority,
    warranty_decision=None,
    category=None,
    fault_class="",
    note="",
    expected_version=None,
    part_group="",
    goodwill_reason="",
):
    """new → triaged: grade the request (分级) and decide the warranty. Counts as first response.

    The warranty decision is derived (``tickets.warranty``: the unit's terms per scope,
    the days under repair, its contracts, the fault's ``part_group`` when known, the
    category): an empty ``warranty_decision`` or one equal to the derived decision takes
    it; ``goodwill`` is a supervisor's override and needs a ``goodwill_reason``; any other
    differing decision is refused (400) with the derived decision's reasons.
    """
    ticket_authorize(ticket=ticket, action=Action.TRIAGE, actor=actor)
    # The transition and the version first: a stale or illegal triage is that (409), not a
    # warranty question.
    _check_state(ticket=ticket, action=Action.TRIAGE, expected_version=expected_version)
    now = timezone.now()
    warranty_decision, derived, goodwill_reason = warranty_triage_decide(
        ticket=ticket,
        actor=actor,
        category=category or ticket.category,  # the decision reads the graded category
        warranty_decision=warranty_decision,
        part_group=part_group,
        goodwill_reason=goodwill_reason,
    )
    changes = {
        "priority": priority,
        "warranty_decision": warranty_decision,
        "fault_class": fault_class or ticket.fault_class,
        "triaged_at": now,
        **_first_response(ticket, now),
    }
    if category:
        changes["category"] = category
    # The grading may select another policy: re-plan the clocks that keep running. The
    # response clock stops with this triage, so its deadline stays what it was.
    policy = sla_policy_of(ticket, priority=priority, category=category)
    replan = sla_recompute_changes(
        ticket=ticket, policy=policy, paused_seconds=ticket.sla_paused_seconds
    )
    if "responded_at" in changes:
        replan.pop("response_due_at", None)
        replan.pop("response_warn_at", None)
    changes.update(replan)
    ticket = _apply(
        ticket=ticket,
        action=Action.TRIAGE,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        payload={
            "note": note,
            "priority": priority,
            "warranty_decision": warranty_decision,
            "derived_warranty_decision": derived.decision,
            "part_group": part_group,
            "goodwill_reason": goodwill_reason if warranty_decision != derived.decision else "",
            "category": changes.get("category", ticket.category),
            "fault_class": changes["fault_class"],
            "sla_policy": policy.pk,
        },
    )
    warranty_triage_record(
        ticket=ticket,
        actor=actor,
        decision=warranty_decision,
        derived=derived,
        part_group=(part_group or "").strip(),
        goodwill_reason=goodwill_reason,
    )
    sla_clock_record(ticket=ticket, reason="triaged", actor=actor)
    return ticket


@transaction.atomic
def ticket_contact(*, ticket, actor, note, via, expected_version=None):
    """Log a contact with the customer; the first one counts as the first response."""
    ticket_authorize(ticket=ticket, action=Action.CONTACT, actor=actor)
    now = timezone.now()
    changes = _first_response(ticket, now)
    return _apply(
        ticket=ticket,
        action=Action.CONTACT,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        kind=EventKind.CONTACT,
        payload={"note": note, "via": via},
    )


@transaction.atomic
def ticket_pause(*, ticket, actor, reason, expected_version=None):
    """Stop the SLA clock (e.g. customer unreachable). Refused if already paused."""
    ticket_authorize(ticket=ticket, action=Action.PAUSE, actor=actor)
    _check_guard(ticket=ticket, action=Action.PAUSE, actor=actor)
    now = timezone.now()
    return _apply(
        ticket=ticket,
        action=Action.PAUSE,
        actor=actor,
        expected_version=expected_version,
        changes={"sla_paused_at": now},
        kind=EventKind.PAUSE,
        payload={"reason": reason},
        audit_changes={"sla_paused_at": [None, now.isoformat()]},
    )


@transaction.atomic
def ticket_resume(*, ticket, actor, reason, expected_version=None):
    """Restart the SLA clock: the working time spent paused is added to the total paused
    so far and the running deadlines are re-planned from intake with it."""
    ticket_authorize(ticket=ticket, action=Action.RESUME, actor=actor)
    _check_guard(ticket=ticket, action=Action.RESUME, actor=actor)
    now = timezone.now()
    policy = ticket.sla_policy or sla_policy_of(ticket)
    paused_seconds = sla_paused_seconds_after_resume(ticket=ticket, policy=policy, now=now)
    changes = {
        "sla_paused_at": None,
        **sla_recompute_changes(ticket=ticket, policy=policy, paused_seconds=paused_seconds),
    }
    paused_now = paused_seconds - ticket.sla_paused_seconds
    ticket = _apply(
        ticket=ticket,
        action=Action.RESUME,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        kind=EventKind.RESUME,
        payload={"reason": reason, "paused_seconds": paused_now},
    )
    sla_clock_record(ticket=ticket, reason="resumed", actor=actor)
    return ticket


def _appointment_changes(*, ticket, technician_id, start, end):
    """Validate the window, lock the technician and ask the eligibility hook."""
    if end <= start:
        raise ValidationError({"appointment_end": [_("The appointment must end after it starts.")]})
    if end <= timezone.now():
        raise ValidationError({"appointment_end": [_("The appointment window is already over.")]})
    if end - start > datetime.timedelta(hours=12):
        raise ValidationError(
            {"appointment_end": [_("An appointment window is at most 12 hours.")]}
        )
    # The row lock serialises dispatchers booking the same technician (PostgreSQL); on
    # SQLite the IMMEDIATE transaction already does.
    technician = technician_lock(technician_id=technician_id)
    reasons = technician_eligibility(technician=technician, ticket=ticket, start=start, end=end)
    if reasons:
        raise NotQualified(
            _("%(name)s may not take this job: %(reasons)s.")
            % {"name": technician.full_name, "reasons": ", ".join(reasons)},
            extra={"reasons": reasons},
        )
    return {"technician": technician, "appointment_start": start, "appointment_end": end}


@transaction.atomic
def ticket_dispatch(
    *,
    ticket,
    actor,
    technician,
    appointment_start,
    appointment_end,
    expected_version=None,
    parts=None,
):
    """triaged → dispatched: book a qualified technician for an agreed window (派工).

    409 ``not_qualified`` with the reasons when the eligibility hook refuses. Queues the
    customer's notice of the technician's name and ID (delivered after commit).
    """
    ticket_authorize(ticket=ticket, action=Action.DISPATCH, actor=actor)
    _check_state(ticket=ticket, action=Action.DISPATCH, expected_version=expected_version)
    now = timezone.now()
    changes = _appointment_changes(
        ticket=ticket, technician_id=technician.pk, start=appointment_start, end=appointment_end
    )
    changes.update(_first_response(ticket, now))
    if ticket.dispatched_at is None:
        changes["dispatched_at"] = now
    ticket = _apply(
        ticket=ticket,
        action=Action.DISPATCH,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        payload={
            "technician": technician.pk,
            "appointment_start": appointment_start.isoformat(),
            "appointment_end": appointment_end.isoformat(),
        },
    )
    if parts:  # reserve {part, quantity, location?} (parts app; 409 insufficient_stock)
        stock_reserve_for_ticket(ticket=ticket, lines=parts, actor=actor)
    ticket_dispatch_notice_queue(ticket=ticket)
    return ticket


@transaction.atomic
def ticket_reschedule(
    *,
    ticket,
    actor,
    appointment_start,
    appointment_end,
    reason,
    technician=None,
    expected_version=None,
):
    """dispatched → dispatched: move the window and/or change the technician (rechecked)."""
    ticket_authorize(ticket=ticket, action=Action.RESCHEDULE, actor=actor)
    _check_state(ticket=ticket, action=Action.RESCHEDULE, expected_version=expected_version)
    technician_id = technician.pk if technician else ticket.technician_id
    changes = _appointment_changes(
        ticket=ticket, technician_id=technician_id, start=appointment_start, end=appointment_end
    )
    ticket = _apply(
        ticket=ticket,
        action=Action.RESCHEDULE,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        kind=EventKind.RESCHEDULE,
        payload={
            "reason": reason,
            "technician": technician_id,
            "appointment_start": appointment_start.isoformat(),
            "appointment_end": appointment_end.isoformat(),
        },
    )
    ticket_dispatch_notice_queue(ticket=ticket)
    return ticket


def _stage_time(*, device_time, not_before):
    """(instant, payload facts) of a stage a phone may have recorded offline
    (``visits.stage_time``): the device's time when plausible, else now."""
    received_at = timezone.now()
    at, used = stage_time(
        device_time=device_time,
        received_at=received_at,
        not_before=not_before,
        skew_seconds=settings.OFFLINE_CLOCK_SKEW_SECONDS,
    )
    return at, stage_time_facts(device_time=device_time, received_at=received_at, used=used)


@transaction.atomic
def ticket_check_in(
    *,
    ticket,
    actor,
    latitude=None,
    longitude=None,
    expected_version=None,
    outside_window_confirmed=None,
    device_time=None,
):
    """dispatched → on_site: the assigned technician arrives (position optional).

    ``device_time``: when the phone recorded the check-in (made offline, sent later);
    the arrival (``on_site_at``) is that time when plausible (``visits.stage_time``: not
    in the future, not before the dispatch), else now, and the timeline and audit events
    say which (``time_source``) beside both times.

    A check-in outside the booked window (``field.check_in_window``: early or late) is
    recorded as such on the timeline and in the audit event (``outside_window``). When
    ``outside_window_confirmed`` is False (the job page: the technician has not yet
    confirmed the warning) such a check-in is refused with a ``ValidationError`` on
    ``outside_window_confirmed``; None (the API) records it without asking.

    The tools rule (``technicians.tools.rules.check_in_tools_enforce``): with
    ``TOOLS_REFUSE_OVERDUE_CHECKIN`` on, a technician holding no in-service, calibrated
    instrument of a kind the unit's category requires is refused
    (``ToolCalibrationOverdue``, 409 ``tool_calibration_overdue``); off, the check-in is
    recorded with the kinds missing (``tools_missing``) on its events.
    """
    ticket_authorize(ticket=ticket, action=Action.CHECK_IN, actor=actor)
    # A page out of date (the job rescheduled meanwhile) says so before any window check:
    # the window the technician was warned about may no longer be the booked one.
    _check_state(ticket=ticket, action=Action.CHECK_IN, expected_version=expected_version)
    now, time_facts = _stage_time(device_time=device_time, not_before=ticket.dispatched_at)
    # The tools rule (technicians.tools.rules): refused when TOOLS_REFUSE_OVERDUE_CHECKIN is
    # on and a required instrument is missing or overdue, before the window is asked about.
    tool_problems = (
        check_in_tools_enforce(ticket=ticket) if ticket.status == TicketStatus.DISPATCHED else []
    )
    outside = (
        check_in_window(ticket=ticket, at=now) if ticket.status == TicketStatus.DISPATCHED else None
    )
    if outside and outside_window_confirmed is False:
        raise ValidationError(
            {
                "outside_window_confirmed": [
                    _("This is outside the booked window: confirm to check in anyway.")
                ]
            }
        )
    changes = {"on_site_at": now}
    audit = {"on_site_at": [None, now.isoformat()]}
    payload = {"latitude": latitude, "longitude": longitude, **time_facts}
    audit.update(time_facts)
    if outside:
        audit["outside_window"] = payload["outside_window"] = outside
    if tool_problems:
        audit["tools_missing"] = payload["tools_missing"] = [p.kind_code for p in tool_problems]
    return _apply(
        ticket=ticket,
        action=Action.CHECK_IN,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        payload=payload,
        audit_changes=audit,
    )


@transaction.atomic
def ticket_complete(
    *,
    ticket,
    actor,
    fault_class,
    fault_code,
    diagnosis,
    work_done,
    test_passed,
    expected_version=None,
    parts_used=None,
    checklist=None,
    device_time=None,
):
    """on_site → awaiting_confirmation: record the diagnosis and the work (现场处理).

    ``device_time``: when the phone recorded the work (offline); ``completed_at`` (the
    resolution stage of the SLA) is that time when plausible (not in the future, not
    before the check-in), else now, and the events say which (``time_source``).

    ``parts_used`` are issued from stock (``parts.services.stock_issue_for_ticket``), and
    reservations not used are released. ``checklist`` is the completion checklist as
    ticked (``field.checklist_record``), kept on the completion's timeline event and in
    its audit event.
    """
    ticket_authorize(ticket=ticket, action=Action.COMPLETE, actor=actor)
    now, time_facts = _stage_time(device_time=device_time, not_before=ticket.on_site_at)
    changes = {
        "fault_class": fault_class,
        "fault_code": fault_code,
        "diagnosis": diagnosis,
        "work_done": work_done,
        "test_passed": test_passed,
        "completed_at": now,
    }
    payload = {
        "fault_class": fault_class,
        "fault_code": fault_code,
        "test_passed": test_passed,
        **time_facts,
    }
    audit_changes = {**_plain_changes(ticket, changes), **time_facts} if time_facts else None
    if checklist is not None:
        payload["checklist"] = checklist
        audit_changes = {
            **(audit_changes or _plain_changes(ticket, changes)),
            "checklist": checklist,
        }
    # The quote rule and the job's charge lines (tickets.charges; README, "Charges"),
    # checked before the row is swapped so that a refusal leaves the caller's copy as is.
    _check_state(ticket=ticket, action=Action.COMPLETE, expected_version=expected_version)
    parts_used = charges_for_completion(ticket=ticket, actor=actor, parts_used=parts_used)
    ticket = _apply(
        ticket=ticket,
        action=Action.COMPLETE,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        payload=payload,
        audit_changes=audit_changes,
    )
    stock_issue_for_ticket(ticket=ticket, lines=parts_used or [], actor=actor)
    ticket_completion_notice_queue(ticket=ticket)
    return ticket


@transaction.atomic
def ticket_resolve_remotely(*, ticket, actor, resolution, expected_version=None, article=None):
    """triaged → awaiting_confirmation: fixed by phone guidance, no visit.

    ``article``: the knowledge article (an ``ArticleVersion``, or an ``Article`` for its
    current version) that guided the customer, recorded with its version
    (``tickets.knowledge.services.ticket_article_record``: a ``knowledge`` timeline event).
    """
    ticket_authorize(ticket=ticket, action=Action.RESOLVE_REMOTELY, actor=actor)
    now = timezone.now()
    changes = {"resolution": resolution, "completed_at": now, **_first_response(ticket, now)}
    ticket = _apply(
        ticket=ticket,
        action=Action.RESOLVE_REMOTELY,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        payload={"resolution": resolution},
    )
    if article is not None:
        ticket_article_record(ticket=ticket, actor=actor, article=article)
    ticket_completion_notice_queue(ticket=ticket)
    return ticket


@transaction.atomic
def ticket_intake_resolve_remotely(*, actor, resolution, fault_class="", article=None, **intake):
    """A call taken and closed on the phone: a simple fault fixed by phone guidance.

    ``ticket_intake`` (``intake`` are its arguments), then in the same transaction the
    ticket is triaged with the intake's priority and the derived warranty decision
    (``out_of_warranty`` without a unit: nothing is charged for a fix by phone anyway) —
    and resolved remotely
    (``ticket_resolve_remotely``); it then awaits the customer's confirmation like any
    remote fix. Each step writes its own timeline and audit events, and each keeps its own
    rule: the role of the remote fix (agents and supervisors) is the transition table's.
    A refused triage or resolution rolls back the whole intake and raises
    ``IntakeRejected`` with ``part="resolution"``. ``article``: the knowledge article that
    guided the customer (``ticket_resolve_remotely``).
    """
    ticket = ticket_intake(actor=actor, **intake)
    if not (resolution or "").strip():
        raise IntakeRejected(
            ValidationError({"resolution": [_("Say how the fault was solved on the phone.")]}),
            part="resolution",
        )
    try:
        ticket = ticket_triage(
            ticket=ticket,
            actor=actor,
            priority=ticket.priority,
            warranty_decision=None,  # the derived decision (tickets.warranty)
            fault_class=fault_class,
        )
        return ticket_resolve_remotely(
            ticket=ticket, actor=actor, resolution=resolution.strip(), article=article
        )
    except ValidationError as exc:
        raise IntakeRejected(exc, part="resolution") from exc


@transaction.atomic
def ticket_confirm(
    *,
    ticket,
    actor,
    accepted,
    signature="",
    comment="",
    satisfaction=None,
    expected_version=None,
    via="",
    device_time=None,
):
    """awaiting_confirmation → closed (accepted) or → triaged (rejected: redo the job).

    The signed work order is the basis for settlement. A rejection must say why (顾客意见)
    and clears the booking so the ticket can be dispatched again; the timeline keeps the
    earlier visit. ``signature``: a PNG or JPEG data URL whose bytes must decode as that
    image (400 otherwise); it is stored re-encoded (``tickets.validators.signature_clean``).
    ``via`` names how the answer came when not from the signed-in actor (``online``: the
    customer's own link, ``actor=None``). A close queues the survey invitation.
    ``device_time``: when the customer signed on the technician's phone (offline);
    ``closed_at`` is that time when plausible (not in the future, not before the
    completion), else now.
    """
    ticket_authorize(ticket=ticket, action=Action.CONFIRM, actor=actor)
    try:
        signature = signature_clean(signature)
    except ValidationError as exc:
        raise ValidationError({"signature": exc.messages}) from exc
    if not accepted and not (comment or "").strip():
        raise ValidationError({"comment": [_("Write down why the customer rejects the work.")]})
    now, time_facts = _stage_time(device_time=device_time, not_before=ticket.completed_at)
    if accepted:
        policy = ticket.sla_policy or sla_policy_of(ticket)
        follow_up_due = now + datetime.timedelta(days=policy.follow_up_days)
        # The return-visit sample (tickets.surveys): an unsampled ticket owes no visit, so
        # it gets no due time (neither the follow-up queue nor the sweep's clock waits).
        if not return_visit_sample(ticket=ticket).sampled:
            follow_up_due = None
        changes = {
            "closed_at": now,
            "follow_up_due_at": follow_up_due,
            # The sweep looks again when the return visit falls due.
            "next_sla_check_at": min(
                filter(None, [ticket.next_sla_check_at, follow_up_due]), default=None
            ),
            "confirmation_signature": signature or "",
            "confirmation_comment": comment or "",
            "satisfaction": satisfaction,
        }
        to_status = TicketStatus.CLOSED
    else:
        changes = {
            "confirmation_comment": comment or "",
            "confirmations_refused": ticket.confirmations_refused + 1,
            "technician": None,
            "appointment_start": None,
            "appointment_end": None,
            "completed_at": None,
            "on_site_at": None,
        }
        to_status = CONFIRM_REJECTED_STATUS
    audit_changes = _plain_changes(ticket, changes)
    audit_changes.pop("confirmation_signature", None)
    payload = {
        "accepted": accepted,
        "comment": comment,
        "satisfaction": satisfaction,
        "signed": bool(signature),
        **time_facts,
    }
    audit_changes.update(time_facts)
    if via:
        payload["via"] = via
    ticket = _apply(
        ticket=ticket,
        action=Action.CONFIRM,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        to_status=to_status,
        payload=payload,
        audit_changes=audit_changes,
    )
    if accepted:
        ticket_survey_invitation_queue(ticket=ticket)
        work_order_queue(ticket=ticket)
    return ticket


@transaction.atomic
def ticket_follow_up(
    *, ticket, actor, via, satisfaction=None, answers=None, comment="", expected_version=None
):
    """closed → followed_up: the return visit (回访) records the survey's answers
    (``answers``: question key → value, under the active survey template,
    ``tickets.surveys``), or the overall satisfaction 1–5 alone (``satisfaction``). The
    overall score is kept as the ticket's follow-up satisfaction (the KPIs read it); a low
    score opens a follow-up task. ``via=online`` is the customer's link, else the call."""
    ticket_authorize(ticket=ticket, action=Action.FOLLOW_UP, actor=actor)
    _check_state(ticket=ticket, action=Action.FOLLOW_UP, expected_version=expected_version)
    now = timezone.now()
    if answers is None:
        answers, complete = {"overall": satisfaction}, False
    else:
        answers, complete = dict(answers), True
        if satisfaction is not None:
            answers.setdefault("overall", satisfaction)
    response = survey_response_record(
        ticket=ticket,
        actor=actor,
        channel=ResponseChannel.LINK if via == ContactVia.ONLINE else ResponseChannel.CALL,
        answers=answers,
        comment=comment,
        complete=complete,
    )
    satisfaction = response.overall
    changes = {
        "followed_up_at": now,
        "follow_up_satisfaction": satisfaction,
        "follow_up_comment": comment or "",
    }
    return _apply(
        ticket=ticket,
        action=Action.FOLLOW_UP,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        payload={"satisfaction": satisfaction, "via": via, "comment": comment},
    )


@transaction.atomic
def ticket_cancel(*, ticket, actor, reason, expected_version=None):
    """new / triaged / dispatched → cancelled, with a reason."""
    ticket_authorize(ticket=ticket, action=Action.CANCEL, actor=actor)
    now = timezone.now()
    changes = {"cancelled_at": now, "cancel_reason": reason, "sla_paused_at": None}
    ticket = _apply(
        ticket=ticket,
        action=Action.CANCEL,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        payload={"reason": reason},
    )
    stock_release_for_ticket(ticket=ticket, actor=actor)
    return ticket


@transaction.atomic
def ticket_escalate(*, ticket, actor, reason, expected_version=None):
    """Raise the escalation level by one (三级响应), at most to 3."""
    ticket_authorize(ticket=ticket, action=Action.ESCALATE, actor=actor)
    _check_guard(ticket=ticket, action=Action.ESCALATE, actor=actor)
    level = ticket.escalation_level + 1
    return _apply(
        ticket=ticket,
        action=Action.ESCALATE,
        actor=actor,
        expected_version=expected_version,
        changes={"escalation_level": level},
        kind=EventKind.ESCALATION,
        payload={"reason": reason, "level": level},
        audit_changes={"escalation_level": [level - 1, level]},
    )


@transaction.atomic
def ticket_transfer_owner(*, ticket, actor, owner, reason, expected_version=None):
    """Hand first-contact responsibility to another desk user, explicitly and on record.

    Only a supervisor or the current owner may transfer; the new owner must be an active
    agent or supervisor.
    """
    ticket_authorize(ticket=ticket, action=Action.TRANSFER_OWNER, actor=actor)
    _check_guard(ticket=ticket, action=Action.TRANSFER_OWNER, actor=actor)
    if not owner.is_active or not (roles_of(owner) & DESK_ROLES):
        raise ValidationError(
            {"owner": [_("The new owner must be an active agent or supervisor.")]}
        )
    if owner.pk == ticket.owner_id:
        raise ValidationError({"owner": [_("This user already owns the ticket.")]})
    return _apply(
        ticket=ticket,
        action=Action.TRANSFER_OWNER,
        actor=actor,
        expected_version=expected_version,
        changes={"owner": owner},
        kind=EventKind.OWNER_TRANSFER,
        payload={"from_owner": ticket.owner_id, "to_owner": owner.pk, "reason": reason},
        audit_changes={"owner": [ticket.owner_id, owner.pk]},
    )


@transaction.atomic
def ticket_update(*, ticket, actor, expected_version=None, **fields):
    """Correct intake details (description, product, fault time) before the job is done."""
    ticket_authorize(ticket=ticket, action=Action.UPDATE, actor=actor)
    allowed = {"description", "product", "fault_occurred_at"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(
            {field: [_("This field cannot be changed here.")] for field in unknown}
        )
    product = fields.get("product")
    if product is not None and product.customer_id != ticket.customer_id:
        raise ValidationError({"product": [_("This product is registered to another customer.")]})
    changes = {
        field: value
        for field, value in fields.items()
        if getattr(getattr(ticket, field), "pk", getattr(ticket, field))
        != getattr(value, "pk", value)
    }
    if not changes:
        _check_state(ticket=ticket, action=Action.UPDATE, expected_version=expected_version)
        return ticket
    audit_changes = _plain_changes(ticket, changes)
    return _apply(
        ticket=ticket,
        action=Action.UPDATE,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        kind=EventKind.UPDATE,
        payload={"fields": sorted(changes)},
        audit_changes=audit_changes,
    )
