"""The ticket services: the declared transition table, enforced, and the action rules."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftersales.exceptions import ActionForbidden, InvalidTransition, StaleVersion
from aftersales.roles import Role
from audits.models import AuditEvent
from tests.tickets.factories import (
    CustomerFactory,
    ProductFactory,
    advance,
    appointment,
    make_ticket,
)
from tickets import services
from tickets.choices import TRANSITIONS, Action, EventKind, TicketStatus
from tickets.models import Ticket, TicketEvent, TicketNumberSequence

pytestmark = pytest.mark.django_db

TECHNICIAN_ONLY = {a for a, rule in TRANSITIONS.items() if set(rule.roles) == {Role.TECHNICIAN}}


def _call(action, ticket, *, actor, ctx, **overrides):
    """Call the service of ``action`` with a valid body for it."""
    window = appointment(days=2)
    bodies = {
        Action.TRIAGE: {"priority": "p2", "warranty_decision": "out_of_warranty"},
        Action.CONTACT: {"note": "Called the customer", "via": "phone"},
        Action.PAUSE: {"reason": "Customer unreachable"},
        Action.RESUME: {"reason": "Customer called back"},
        Action.DISPATCH: {
            "technician": ctx["technician"],
            "appointment_start": window[0],
            "appointment_end": window[1],
        },
        Action.RESCHEDULE: {
            "appointment_start": window[0],
            "appointment_end": window[1],
            "reason": "Customer asked for Thursday",
        },
        Action.CHECK_IN: {"latitude": 31.2, "longitude": 121.5},
        Action.COMPLETE: {
            "fault_class": "hardware",
            "fault_code": "E4",
            "diagnosis": "Relay stuck",
            "work_done": "Relay replaced",
            "test_passed": True,
        },
        Action.RESOLVE_REMOTELY: {"resolution": "Reset the unit by phone"},
        Action.CONFIRM: {"accepted": True, "satisfaction": 4},
        Action.FOLLOW_UP: {"satisfaction": 4, "via": "phone"},
        Action.CANCEL: {"reason": "Customer withdrew"},
        Action.ESCALATE: {"reason": "Customer complained"},
        Action.TRANSFER_OWNER: {"owner": ctx["other_agent"], "reason": "Shift change"},
        Action.UPDATE: {"description": "Not cooling; rattles at night"},
    }
    service = getattr(services, f"ticket_{action}")
    return service(ticket=ticket, actor=actor, **{**bodies[action], **overrides})


def _actor_for(action, ticket, ctx):
    """A role the table allows: the supervisor at the desk, the assigned technician in the
    field (the system when no technician is assigned, so only the status decides)."""
    if action in TECHNICIAN_ONLY:
        return ticket.technician.user if ticket.technician else None
    return ctx["supervisor"]


def _arrange(action, ticket):
    """Satisfy the action's own guard so that only the status is left to decide."""
    if action == Action.RESUME:
        Ticket.objects.filter(pk=ticket.pk).update(
            sla_paused_at=timezone.now() - datetime.timedelta(hours=1)
        )
        ticket.refresh_from_db()
    return ticket


def _snapshot(ticket):
    return {
        "events": TicketEvent.objects.filter(ticket=ticket).count(),
        "audits": AuditEvent.objects.filter(ticket=ticket).count(),
        "row": Ticket.objects.values().get(pk=ticket.pk),
    }


@pytest.fixture
def ctx(supervisor, technician, other_agent):
    return {"supervisor": supervisor, "technician": technician, "other_agent": other_agent}


MATRIX = [(status, action) for action in TRANSITIONS for status in TicketStatus.values]
ALLOWED = [(s, a) for s, a in MATRIX if s in TRANSITIONS[a].from_statuses]
FORBIDDEN = [(s, a) for s, a in MATRIX if s not in TRANSITIONS[a].from_statuses]


def test_transition_matrix_covers_every_action_and_status():
    assert len(ALLOWED) + len(FORBIDDEN) == len(TRANSITIONS) * len(TicketStatus)
    assert {a for _, a in ALLOWED} == set(TRANSITIONS)
    assert set(TRANSITIONS) == set(Action.values)


@pytest.mark.parametrize(("status", "action"), ALLOWED)
def test_allowed_transition_succeeds_and_writes_one_event(status, action, ticket_in, ctx):
    ticket = _arrange(action, ticket_in(status))
    assert ticket.status == status
    before = _snapshot(ticket)

    result = _call(action, ticket, actor=_actor_for(action, ticket, ctx), ctx=ctx)

    expected_status = TRANSITIONS[action].to_status or status
    assert result.status == expected_status
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.status == expected_status
    assert stored.version == before["row"]["version"] + 1
    # One transition event and one ticket audit event; a transition may also leave the
    # records of what it starts elsewhere (closing draws the return-visit sample, a
    # follow-up stores the survey's answers), each with its own kind and action.
    events = TicketEvent.objects.filter(ticket=ticket).order_by("id")
    new_events = list(events[before["events"] :])
    own = [e for e in new_events if e.kind != EventKind.SURVEY]
    assert len(own) == 1, new_events
    event = own[0]
    assert (event.action, event.from_status, event.to_status) == (action, status, expected_status)
    if len(new_events) > 1:
        assert action == Action.FOLLOW_UP  # the follow-up's answers: one survey event
    audits = AuditEvent.objects.filter(ticket=ticket).order_by("id")
    new_audits = [a.action for a in audits[before["audits"] :]]
    assert [a for a in new_audits if a.startswith("ticket.")] == [f"ticket.{action}"]
    assert all(a.startswith(("ticket.", "survey.")) for a in new_audits), new_audits


@pytest.mark.parametrize(("status", "action"), FORBIDDEN)
def test_forbidden_transition_raises_invalid_transition_and_writes_nothing(
    status, action, ticket_in, ctx
):
    ticket = _arrange(action, ticket_in(status))
    before = _snapshot(ticket)

    with pytest.raises(InvalidTransition) as excinfo:
        _call(action, ticket, actor=_actor_for(action, ticket, ctx), ctx=ctx)

    assert excinfo.value.code == "invalid_transition"
    # The table refused it (not some other guard that happens to share the code).
    assert excinfo.value.extra == {"status": status, "action": action}
    assert _snapshot(ticket) == before


# --- Optimistic concurrency ----------------------------------------------------------------


def test_stale_expected_version_raises_stale_version_and_changes_nothing(ticket_in, ctx):
    ticket = ticket_in(TicketStatus.NEW)
    before = _snapshot(ticket)

    with pytest.raises(StaleVersion) as excinfo:
        _call(Action.TRIAGE, ticket, actor=ctx["supervisor"], ctx=ctx, expected_version=7)

    assert excinfo.value.code == "stale_version"
    assert excinfo.value.extra == {"current_version": 1}
    assert _snapshot(ticket) == before


def test_matching_expected_version_is_accepted(ticket_in, ctx):
    ticket = ticket_in(TicketStatus.NEW)

    result = _call(Action.TRIAGE, ticket, actor=ctx["supervisor"], ctx=ctx, expected_version=1)

    assert (result.status, result.version) == (TicketStatus.TRIAGED, 2)


def test_write_from_an_outdated_copy_loses_the_compare_and_swap(ticket_in, ctx):
    ticket = ticket_in(TicketStatus.NEW)
    outdated = Ticket.objects.get(pk=ticket.pk)
    _call(Action.ESCALATE, ticket, actor=ctx["supervisor"], ctx=ctx)
    before = _snapshot(ticket)

    with pytest.raises(StaleVersion):
        _call(Action.TRIAGE, outdated, actor=ctx["supervisor"], ctx=ctx)

    assert _snapshot(ticket) == before
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.NEW


# --- Roles ---------------------------------------------------------------------------------


def _ticket_ready_for(action, ticket_in):
    return _arrange(action, ticket_in(TRANSITIONS[action].from_statuses[0]))


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.INTEGRATOR])
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_read_only_roles_may_take_no_action(role, action, make_user, ticket_in, ctx):
    ticket = _ticket_ready_for(action, ticket_in)
    before = _snapshot(ticket)

    with pytest.raises(ActionForbidden) as excinfo:
        _call(action, ticket, actor=make_user(role), ctx=ctx)

    assert (excinfo.value.code, excinfo.value.status) == ("forbidden", 403)
    assert _snapshot(ticket) == before


ASSIGNED_ONLY = [a for a, rule in TRANSITIONS.items() if rule.assigned_only]


@pytest.mark.parametrize("action", ASSIGNED_ONLY)
def test_technician_may_not_act_on_a_ticket_assigned_to_someone_else(
    action, ticket_in, ctx, other_technician
):
    ticket = ticket_in(TRANSITIONS[action].from_statuses[-1])
    assert ticket.technician is not None and ticket.technician != other_technician
    before = _snapshot(ticket)

    with pytest.raises(ActionForbidden, match="not assigned to you"):
        _call(action, ticket, actor=other_technician.user, ctx=ctx)

    assert _snapshot(ticket) == before


@pytest.mark.parametrize("action", ASSIGNED_ONLY)
def test_assigned_technician_may_take_field_actions(action, ticket_in, ctx, technician):
    ticket = ticket_in(TRANSITIONS[action].from_statuses[-1])
    version = ticket.version

    _call(action, ticket, actor=technician.user, ctx=ctx)

    assert Ticket.objects.get(pk=ticket.pk).version == version + 1


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (TicketStatus.NEW, Action.TRIAGE),
        (TicketStatus.DISPATCHED, Action.CANCEL),
        (TicketStatus.DISPATCHED, Action.RESCHEDULE),
        (TicketStatus.DISPATCHED, Action.ESCALATE),
    ],
)
def test_technician_may_not_take_desk_actions(status, action, ticket_in, ctx, technician):
    ticket = ticket_in(status)
    before = _snapshot(ticket)

    with pytest.raises(ActionForbidden, match="Your role may not"):
        _call(action, ticket, actor=technician.user, ctx=ctx)

    assert _snapshot(ticket) == before


def test_agent_may_not_dispatch(ticket_in, ctx, agent):
    ticket = ticket_in(TicketStatus.TRIAGED)

    with pytest.raises(ActionForbidden):
        _call(Action.DISPATCH, ticket, actor=agent, ctx=ctx)

    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.TRIAGED


def test_allowed_actions_lists_what_the_actor_may_do_now(ticket_in, agent, supervisor):
    ticket = ticket_in(TicketStatus.TRIAGED)

    agent_actions = set(services.ticket_allowed_actions(ticket=ticket, actor=agent))
    supervisor_actions = set(services.ticket_allowed_actions(ticket=ticket, actor=supervisor))

    assert Action.RESOLVE_REMOTELY in agent_actions
    assert Action.DISPATCH not in agent_actions
    assert Action.DISPATCH in supervisor_actions
    assert Action.TRIAGE not in supervisor_actions  # already triaged


# --- Ownership (首问负责制) ----------------------------------------------------------------


def test_transfer_owner_by_current_owner_moves_responsibility(ticket_in, agent, other_agent):
    ticket = ticket_in(TicketStatus.NEW)
    assert ticket.owner == agent

    result = services.ticket_transfer_owner(
        ticket=ticket, actor=agent, owner=other_agent, reason="Going on leave"
    )

    assert result.owner == other_agent
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.OWNER_TRANSFER)
    assert event.payload == {
        "from_owner": agent.pk,
        "to_owner": other_agent.pk,
        "reason": "Going on leave",
    }
    audit = AuditEvent.objects.get(ticket=ticket, action="ticket.transfer_owner")
    assert audit.changes == {"owner": [agent.pk, other_agent.pk]}


def test_transfer_owner_by_supervisor_who_is_not_the_owner(ticket_in, supervisor, other_agent):
    ticket = ticket_in(TicketStatus.DISPATCHED)

    result = services.ticket_transfer_owner(
        ticket=ticket, actor=supervisor, owner=other_agent, reason="Rebalance"
    )

    assert result.owner == other_agent


def test_transfer_owner_refuses_an_agent_who_does_not_own_the_ticket(
    ticket_in, make_user, other_agent
):
    ticket = ticket_in(TicketStatus.NEW)
    bystander = make_user(Role.AGENT)
    before = _snapshot(ticket)

    with pytest.raises(ActionForbidden, match="current owner"):
        services.ticket_transfer_owner(
            ticket=ticket, actor=bystander, owner=other_agent, reason="Grab"
        )

    assert _snapshot(ticket) == before


def test_transfer_owner_refuses_a_technician_as_new_owner(ticket_in, supervisor, technician):
    ticket = ticket_in(TicketStatus.NEW)
    before = _snapshot(ticket)

    with pytest.raises(ValidationError) as excinfo:
        services.ticket_transfer_owner(
            ticket=ticket, actor=supervisor, owner=technician.user, reason="x"
        )

    assert "owner" in excinfo.value.message_dict
    assert _snapshot(ticket) == before


def test_transfer_owner_refuses_an_inactive_agent(ticket_in, supervisor, make_user):
    ticket = ticket_in(TicketStatus.NEW)
    retired = make_user(Role.AGENT, is_active=False)

    with pytest.raises(ValidationError):
        services.ticket_transfer_owner(ticket=ticket, actor=supervisor, owner=retired, reason="x")

    assert Ticket.objects.get(pk=ticket.pk).owner_id == ticket.owner_id


def test_transfer_owner_refuses_the_current_owner(ticket_in, supervisor, agent):
    ticket = ticket_in(TicketStatus.NEW)

    with pytest.raises(ValidationError, match="already owns"):
        services.ticket_transfer_owner(ticket=ticket, actor=supervisor, owner=agent, reason="x")

    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.OWNER_TRANSFER).count() == 0


def test_transfer_owner_still_allowed_after_closure(ticket_in, supervisor, other_agent):
    ticket = ticket_in(TicketStatus.CLOSED)

    result = services.ticket_transfer_owner(
        ticket=ticket, actor=supervisor, owner=other_agent, reason="Follow-up team"
    )

    assert (result.status, result.owner) == (TicketStatus.CLOSED, other_agent)


# --- Escalation, pause and resume ------------------------------------------------------------


def test_escalate_raises_the_level_up_to_three_then_refuses(ticket_in, supervisor):
    ticket = ticket_in(TicketStatus.NEW)
    for level in (1, 2, 3):
        ticket = services.ticket_escalate(ticket=ticket, actor=supervisor, reason=f"L{level}")
        assert ticket.escalation_level == level
    before = _snapshot(ticket)

    with pytest.raises(InvalidTransition, match="highest escalation level"):
        services.ticket_escalate(ticket=ticket, actor=supervisor, reason="again")

    assert _snapshot(ticket) == before
    levels = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ESCALATION)
    assert [e.payload["level"] for e in levels] == [1, 2, 3]


def test_pause_twice_is_refused(ticket_in, agent):
    ticket = services.ticket_pause(ticket=ticket_in(TicketStatus.NEW), actor=agent, reason="x")
    before = _snapshot(ticket)

    with pytest.raises(InvalidTransition, match="already paused"):
        services.ticket_pause(ticket=ticket, actor=agent, reason="again")

    assert _snapshot(ticket) == before


def test_resume_without_pause_is_refused(ticket_in, agent):
    ticket = ticket_in(TicketStatus.NEW)
    before = _snapshot(ticket)

    with pytest.raises(InvalidTransition, match="not paused"):
        services.ticket_resume(ticket=ticket, actor=agent, reason="x")

    assert _snapshot(ticket) == before


def _paused_for(ticket, hours):
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_paused_at=timezone.now() - datetime.timedelta(hours=hours)
    )
    ticket.refresh_from_db()
    return ticket


def test_resume_moves_every_running_deadline_by_the_paused_time(ticket_in, agent):
    ticket = services.ticket_pause(ticket=ticket_in(TicketStatus.NEW), actor=agent, reason="x")
    assert ticket.sla_paused_at is not None
    ticket = _paused_for(ticket, hours=3)
    paused_at, old = ticket.sla_paused_at, Ticket.objects.values().get(pk=ticket.pk)

    ticket = services.ticket_resume(ticket=ticket, actor=agent, reason="Reached the customer")

    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.RESUME)
    assert ticket.sla_paused_at is None
    fields = ("response_due_at", "response_warn_at", "dispatch_due_at", "dispatch_warn_at")
    shifts = {getattr(ticket, field) - old[field] for field in fields}
    assert len(shifts) == 1, "every running deadline moves by the same paused time"
    (shift,) = shifts
    # The paused time: from the pause to the resume (the event is written just after).
    assert datetime.timedelta(hours=3) <= shift <= event.created_at - paused_at
    assert event.payload["paused_seconds"] == int(shift.total_seconds()) == 3 * 3600


def test_resume_leaves_stopped_clocks_alone(ticket_in, agent):
    ticket = _paused_for(ticket_in(TicketStatus.TRIAGED), hours=2)  # responded already
    old = Ticket.objects.values().get(pk=ticket.pk)

    ticket = services.ticket_resume(ticket=ticket, actor=agent, reason="Back")

    assert ticket.response_due_at == old["response_due_at"]
    assert ticket.response_warn_at == old["response_warn_at"]
    assert ticket.dispatch_due_at - old["dispatch_due_at"] >= datetime.timedelta(hours=2)
    assert ticket.dispatch_warn_at - old["dispatch_warn_at"] >= datetime.timedelta(hours=2)


def test_paused_ticket_sla_state_is_frozen_at_the_pause(ticket_in, agent):
    ticket = _paused_for(ticket_in(TicketStatus.NEW), hours=30)  # paused 30 h ago
    # Due 25 h ago, but the pause came earlier: judged as of the pause instant.
    Ticket.objects.filter(pk=ticket.pk).update(
        response_due_at=timezone.now() - datetime.timedelta(hours=25),
        response_warn_at=timezone.now() - datetime.timedelta(hours=26),
    )
    ticket.refresh_from_db()

    assert ticket.sla_state() == "on_track"


def test_cancel_clears_a_pause(ticket_in, agent):
    ticket = services.ticket_pause(ticket=ticket_in(TicketStatus.NEW), actor=agent, reason="x")

    ticket = services.ticket_cancel(ticket=ticket, actor=agent, reason="Withdrawn")

    assert ticket.sla_paused_at is None
    assert ticket.cancel_reason == "Withdrawn"


# --- Triage, dispatch and confirmation rules -------------------------------------------------


def test_triage_refuses_in_warranty_for_an_expired_product(ticket_in, agent):
    expired = ProductFactory(
        purchase_date=timezone.localdate() - datetime.timedelta(days=3 * 365),
        model__warranty_months=24,
    )
    ticket = make_ticket(actor=agent, product=expired)
    before = _snapshot(ticket)

    with pytest.raises(ValidationError) as excinfo:
        services.ticket_triage(
            ticket=ticket, actor=agent, priority="p3", warranty_decision="in_warranty"
        )

    assert list(excinfo.value.message_dict) == ["warranty_decision"]
    assert _snapshot(ticket) == before


def test_triage_accepts_out_of_warranty_for_an_expired_product(agent):
    expired = ProductFactory(purchase_date=timezone.localdate() - datetime.timedelta(days=1200))
    ticket = make_ticket(actor=agent, product=expired)

    ticket = services.ticket_triage(
        ticket=ticket, actor=agent, priority="p3", warranty_decision="out_of_warranty"
    )

    assert (ticket.status, ticket.warranty_decision) == ("triaged", "out_of_warranty")


def test_triage_accepts_in_warranty_for_a_product_in_warranty(agent):
    ticket = make_ticket(actor=agent, product=ProductFactory())

    ticket = services.ticket_triage(
        ticket=ticket, actor=agent, priority="p1", warranty_decision="in_warranty"
    )

    assert (ticket.priority, ticket.warranty_decision) == ("p1", "in_warranty")


def test_triage_counts_as_first_response_and_later_contacts_do_not_move_it(ticket_in, agent):
    ticket = ticket_in(TicketStatus.TRIAGED)
    responded = ticket.responded_at
    assert responded == ticket.triaged_at

    ticket = services.ticket_contact(ticket=ticket, actor=agent, note="Called", via="phone")

    assert ticket.responded_at == responded


def test_first_contact_counts_as_first_response(ticket_in, agent):
    ticket = services.ticket_contact(
        ticket=ticket_in(TicketStatus.NEW), actor=agent, note="Called", via="phone"
    )

    assert ticket.responded_at is not None
    assert ticket.status == TicketStatus.NEW


def test_confirm_rejected_returns_to_triaged_and_clears_the_booking(ticket_in, technician):
    ticket = ticket_in(TicketStatus.AWAITING_CONFIRMATION)

    ticket = services.ticket_confirm(
        ticket=ticket, actor=technician.user, accepted=False, comment="Still warm"
    )

    assert ticket.status == TicketStatus.TRIAGED
    assert ticket.technician is None
    assert (ticket.appointment_start, ticket.appointment_end) == (None, None)
    assert (ticket.completed_at, ticket.on_site_at) == (None, None)
    assert ticket.confirmation_comment == "Still warm"
    event = TicketEvent.objects.filter(ticket=ticket).last()
    assert (event.action, event.from_status, event.to_status) == (
        "confirm",
        "awaiting_confirmation",
        "triaged",
    )
    assert event.payload["accepted"] is False


def test_each_rejection_is_counted_on_the_ticket_and_spoils_the_first_time_fix(
    ticket_in, technician, supervisor
):
    from tickets.selectors import first_time_fix_marks

    ticket = ticket_in(TicketStatus.AWAITING_CONFIRMATION)
    clean = ticket_in(TicketStatus.AWAITING_CONFIRMATION)
    assert ticket.confirmations_refused == 0
    for comment in ("Still warm", "Still noisy"):
        ticket = services.ticket_confirm(
            ticket=ticket, actor=technician.user, accepted=False, comment=comment
        )
        ticket = advance(ticket, TicketStatus.AWAITING_CONFIRMATION, desk=supervisor,
                         supervisor=supervisor, technician=technician)  # fmt: skip
    ticket.refresh_from_db()
    assert ticket.confirmations_refused == 2
    audit = AuditEvent.objects.filter(object_id=str(ticket.pk), action="ticket.confirm")
    assert [e.changes["confirmations_refused"] for e in audit.order_by("id")] == [[0, 1], [1, 2]]
    marks = Ticket.objects.filter(pk__in=[ticket.pk, clean.pk]).annotate(**first_time_fix_marks())
    assert dict(marks.values_list("pk", "refused")) == {ticket.pk: True, clean.pk: False}


def test_rejected_ticket_can_be_dispatched_again(ticket_in, technician, supervisor, ctx):
    ticket = ticket_in(TicketStatus.AWAITING_CONFIRMATION)
    first_dispatch = ticket.dispatched_at
    ticket = services.ticket_confirm(
        ticket=ticket, actor=supervisor, accepted=False, comment="Noise is back"
    )

    ticket = _call(Action.DISPATCH, ticket, actor=supervisor, ctx=ctx)

    assert (ticket.status, ticket.technician) == (TicketStatus.DISPATCHED, technician)
    assert ticket.dispatched_at == first_dispatch  # the SLA keeps the first dispatch


def test_dispatch_refuses_inactive_technician(ticket_in, supervisor, ctx, technician):
    from aftersales.exceptions import NotQualified

    technician.active = False
    technician.save()
    ticket = ticket_in(TicketStatus.TRIAGED)
    before = _snapshot(ticket)

    with pytest.raises(NotQualified) as excinfo:
        _call(Action.DISPATCH, ticket, actor=supervisor, ctx=ctx)

    assert excinfo.value.extra["reasons"] == ["inactive"]
    assert _snapshot(ticket) == before


def test_dispatch_refuses_a_full_day(ticket_in, supervisor, ctx, technician):
    from aftersales.exceptions import NotQualified

    technician.max_jobs_per_day = 1
    technician.save()
    booked = ticket_in(TicketStatus.TRIAGED)
    _call(Action.DISPATCH, booked, actor=supervisor, ctx=ctx)
    ticket = ticket_in(TicketStatus.TRIAGED)

    with pytest.raises(NotQualified) as excinfo:
        _call(Action.DISPATCH, ticket, actor=supervisor, ctx=ctx)

    assert excinfo.value.extra["reasons"] == ["day_full"]
    # Another day is free.
    start, end = appointment(days=3)
    ticket = services.ticket_dispatch(
        ticket=ticket,
        actor=supervisor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )
    assert ticket.status == TicketStatus.DISPATCHED


def test_dispatch_refuses_a_window_in_the_past(ticket_in, supervisor, technician):
    ticket = ticket_in(TicketStatus.TRIAGED)
    start, end = appointment(days=-2)

    with pytest.raises(ValidationError) as excinfo:
        services.ticket_dispatch(
            ticket=ticket,
            actor=supervisor,
            technician=technician,
            appointment_start=start,
            appointment_end=end,
        )

    assert "appointment_end" in excinfo.value.message_dict


def test_reschedule_to_another_technician_rechecks_and_records(
    ticket_in, supervisor, other_technician
):
    ticket = ticket_in(TicketStatus.DISPATCHED)
    start, end = appointment(days=4)

    ticket = services.ticket_reschedule(
        ticket=ticket,
        actor=supervisor,
        technician=other_technician,
        appointment_start=start,
        appointment_end=end,
        reason="Original technician ill",
    )

    assert (ticket.technician, ticket.appointment_start) == (other_technician, start)
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.RESCHEDULE)
    assert event.payload["technician"] == other_technician.pk


def test_update_without_changes_writes_nothing(ticket_in, agent):
    ticket = ticket_in(TicketStatus.NEW)
    before = _snapshot(ticket)

    services.ticket_update(ticket=ticket, actor=agent, description=ticket.description)

    assert _snapshot(ticket) == before


def test_update_refuses_a_product_of_another_customer(ticket_in, agent):
    ticket = ticket_in(TicketStatus.NEW)

    with pytest.raises(ValidationError) as excinfo:
        services.ticket_update(ticket=ticket, actor=agent, product=ProductFactory())

    assert "product" in excinfo.value.message_dict
    assert Ticket.objects.get(pk=ticket.pk).product is None


# --- Intake -------------------------------------------------------------------------------


def test_ticket_numbers_are_sequential_per_year(agent):
    year = timezone.localdate().year

    numbers = [make_ticket(actor=agent).number for _ in range(3)]

    assert numbers == [f"AS-{year}-{n:06d}" for n in (1, 2, 3)]
    assert TicketNumberSequence.objects.get(year=year).last_value == 3


def test_ticket_create_writes_created_event_and_audit_and_owner(agent):
    ticket = make_ticket(actor=agent, priority="p2")

    assert (ticket.status, ticket.version, ticket.owner, ticket.created_by) == (
        "new",
        1,
        agent,
        agent,
    )
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.to_status) == (EventKind.CREATED, "new")
    assert AuditEvent.objects.filter(ticket=ticket, action="ticket.created").count() == 1
    assert ticket.response_due_at - ticket.created_at == datetime.timedelta(hours=24)
    assert ticket.dispatch_due_at - ticket.created_at == datetime.timedelta(hours=48)


def test_ticket_create_refuses_another_customers_product_and_uses_no_number(agent):
    with pytest.raises(ValidationError):
        make_ticket(actor=agent, customer=CustomerFactory(), product=ProductFactory())

    assert Ticket.objects.count() == 0
    assert make_ticket(actor=agent).number.endswith("-000001")


def test_ticket_create_refuses_an_erased_customer(agent, supervisor):
    customer = services.customer_erase(
        customer=CustomerFactory(), actor=supervisor, reason="Request"
    )

    with pytest.raises(ValidationError) as excinfo:
        make_ticket(actor=agent, customer=customer)

    assert "customer" in excinfo.value.message_dict


def test_ticket_create_refuses_a_fault_in_the_future(agent):
    with pytest.raises(ValidationError) as excinfo:
        make_ticket(actor=agent, fault_occurred_at=timezone.now() + datetime.timedelta(days=1))

    assert "fault_occurred_at" in excinfo.value.message_dict


def test_ticket_allowed_actions_never_offers_what_a_guard_refuses(agent, supervisor, make_user):
    ticket = make_ticket(actor=agent)
    assert "pause" in services.ticket_allowed_actions(ticket=ticket, actor=agent)
    assert "resume" not in services.ticket_allowed_actions(ticket=ticket, actor=agent)
    ticket = services.ticket_pause(ticket=ticket, actor=agent, reason="Unreachable")
    offered = services.ticket_allowed_actions(ticket=ticket, actor=agent)
    assert "pause" not in offered
    assert "resume" in offered
    for _ in range(3):
        ticket = services.ticket_escalate(ticket=ticket, actor=agent, reason="Angry customer")
    assert "escalate" not in services.ticket_allowed_actions(ticket=ticket, actor=agent)
    other_agent = make_user(Role.AGENT)
    assert "transfer_owner" not in services.ticket_allowed_actions(ticket=ticket, actor=other_agent)
    assert "transfer_owner" in services.ticket_allowed_actions(ticket=ticket, actor=supervisor)
    assert "transfer_owner" in services.ticket_allowed_actions(ticket=ticket, actor=agent)


def test_ticket_records_the_customers_area_at_intake_and_keeps_it(agent):
    from tests.tickets.factories import AreaFactory

    home, new_home = AreaFactory(code="pudong"), AreaFactory(code="xuhui", name="Xuhui")
    customer = CustomerFactory(area=home)
    ticket = make_ticket(actor=agent, customer=customer)
    assert ticket.area == home
    customer = services.customer_update(customer=customer, actor=agent, area=new_home)
    ticket.refresh_from_db()
    assert ticket.area == home
    assert make_ticket(actor=agent, customer=customer).area == new_home


def test_confirm_rejection_without_a_reason_is_refused_and_changes_nothing(ticket_in, technician):
    ticket = ticket_in(TicketStatus.AWAITING_CONFIRMATION)
    with pytest.raises(ValidationError) as refused:
        services.ticket_confirm(ticket=ticket, actor=technician.user, accepted=False, comment=" ")
    assert "comment" in refused.value.error_dict
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.AWAITING_CONFIRMATION


def test_the_migration_counts_the_refusals_already_on_the_timeline(ticket_in, technician):
    """Tickets refused before the counter existed get it from their timeline events."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("tickets.migrations.0033_ticket_confirmations_refused")
    twice = ticket_in(TicketStatus.TRIAGED)
    once = ticket_in(TicketStatus.TRIAGED)
    never = ticket_in(TicketStatus.TRIAGED)
    answers = [(twice, "triaged"), (twice, "triaged"), (once, "triaged"), (never, "closed")]
    for ticket, to_status in answers:
        TicketEvent.objects.create(
            ticket=ticket, kind="transition", action="confirm",
            from_status="awaiting_confirmation", to_status=to_status,
        )  # fmt: skip

    migration.backfill(apps, None)

    stored = dict(
        Ticket.objects.filter(pk__in=[twice.pk, once.pk, never.pk]).values_list(
            "pk", "confirmations_refused"
        )
    )
    assert stored == {twice.pk: 2, once.pk: 1, never.pk: 0}
