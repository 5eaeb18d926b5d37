"""The rules of service targets: drafting, approval by a manager only, read-only once
approved, revisions, and the period-end evaluation filing misses as quality findings."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from aftersales.exceptions import ActionForbidden, ApplicationError
from aftersales.platform.models import Notification
from audits.models import AuditEvent, CorrectiveAction, Finding, QualityAudit
from audits.targets import services
from audits.targets.choices import Outcome, Scope, TargetSetStatus
from audits.targets.models import TargetResult, TargetSet
from audits.targets.tasks import target_sets_evaluate_due_task

from .conftest import APRIL_2ND, MARCH, standard_lines

pytestmark = pytest.mark.django_db


def test_period_days_of_a_month_quarter_and_year():
    assert services.period_days("month", date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert services.period_days("quarter", date(2026, 11, 3)) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert services.period_days("year", date(2026, 6, 1)) == (date(2026, 1, 1), date(2026, 12, 31))


def test_a_draft_takes_the_metric_direction_and_is_audited(draft):
    lines = {line.metric: line for line in draft.lines.all()}
    assert lines["response_sla"].comparator == "gte"
    assert draft.period_end == date(2026, 3, 31)
    assert AuditEvent.objects.filter(action="target_set.created", object_id=draft.pk).exists()


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([{"metric": "nonsense", "value": 1}], "metric"),
        ([{"metric": "satisfaction", "value": 6}], "at most"),
        ([{"metric": "satisfaction", "value": "x"}], "number"),
        (
            [{"metric": "first_time_fix", "value": 1}, {"metric": "first_time_fix", "value": 2}],
            "once",
        ),
    ],
)
def test_a_draft_refuses_bad_lines(supervisor, lines, message):
    with pytest.raises(ValidationError, match=message):
        services.target_set_create(
            actor=supervisor, period_kind="month", period_start=MARCH, lines=lines
        )


def test_only_supervisors_draft(manager, auditor):
    for actor in (manager, auditor):
        with pytest.raises(ActionForbidden):
            services.target_set_create(
                actor=actor, period_kind="month", period_start=MARCH, lines=standard_lines()
            )


def test_submit_tells_the_managers(draft, supervisor, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        services.target_set_submit(target_set=draft, actor=supervisor)
    draft.refresh_from_db()
    assert draft.status == TargetSetStatus.SUBMITTED
    told = Notification.objects.filter(kind="target_approval")
    assert told.exists()
    assert set(told.values_list("user_id", flat=True)) == {manager.pk}


def test_only_managers_approve(draft, supervisor, auditor, manager):
    services.target_set_submit(target_set=draft, actor=supervisor)
    for actor in (supervisor, auditor):
        with pytest.raises(ActionForbidden):
            services.target_set_approve(target_set=draft, actor=actor)
    draft.refresh_from_db()
    assert draft.status == TargetSetStatus.SUBMITTED
    services.target_set_approve(target_set=draft, actor=manager)
    draft.refresh_from_db()
    assert draft.status == TargetSetStatus.APPROVED
    assert draft.decided_by == manager


def test_an_empty_set_cannot_be_submitted(supervisor):
    empty = services.target_set_create(actor=supervisor, period_kind="year", period_start=MARCH)
    with pytest.raises(ApplicationError) as error:
        services.target_set_submit(target_set=empty, actor=supervisor)
    assert error.value.code == "target_set_empty"


def test_a_draft_cannot_be_approved_before_it_is_submitted(draft, manager):
    with pytest.raises(ApplicationError) as error:
        services.target_set_approve(target_set=draft, actor=manager)
    assert error.value.code == "invalid_transition"


def test_an_approved_set_is_read_only(approved, supervisor):
    with pytest.raises(ApplicationError) as error:
        services.target_set_lines_save(
            target_set=approved, actor=supervisor, lines=standard_lines(first_time_fix="50")
        )
    assert error.value.code == "target_set_read_only"
    assert approved.lines.get(metric="first_time_fix").value == 85
    with pytest.raises(ApplicationError):
        services.target_set_submit(target_set=approved, actor=supervisor)


def test_return_needs_a_reason_and_the_set_is_editable_again(draft, supervisor, manager):
    services.target_set_submit(target_set=draft, actor=supervisor)
    with pytest.raises(ValidationError):
        services.target_set_return(target_set=draft, actor=manager, reason=" ")
    services.target_set_return(target_set=draft, actor=manager, reason="Too low")
    draft.refresh_from_db()
    assert (draft.status, draft.return_reason) == (TargetSetStatus.RETURNED, "Too low")
    services.target_set_lines_save(
        target_set=draft, actor=supervisor, lines=standard_lines(first_time_fix="90")
    )
    services.target_set_submit(target_set=draft, actor=supervisor)


def test_an_approved_revision_supersedes_the_old_set(approved, supervisor, manager):
    revision = services.target_set_revise(target_set=approved, actor=supervisor)
    assert (revision.revision, revision.revises_id, revision.lines.count()) == (2, approved.pk, 3)
    with pytest.raises(ApplicationError) as error:
        services.target_set_revise(target_set=approved, actor=supervisor)
    assert error.value.code == "revision_open"
    services.target_set_lines_save(
        target_set=revision, actor=supervisor, lines=standard_lines(response_sla="99")
    )
    services.target_set_submit(target_set=revision, actor=supervisor)
    services.target_set_approve(target_set=revision, actor=manager)
    approved.refresh_from_db()
    assert approved.status == TargetSetStatus.SUPERSEDED
    assert TargetSet.objects.approved().get().pk == revision.pk


def test_a_missed_target_at_period_end_becomes_a_finding_with_a_corrective_action(
    supervisor, manager, march_tickets
):
    north, south, outlet = march_tickets["north"], march_tickets["south"], march_tickets["outlet"]
    target_set = services.target_set_create(
        actor=supervisor,
        period_kind="month",
        period_start=MARCH,
        lines=[
            # Overall 4.0: missed; North 4.5 ≥ 4.5: met; South 3 against its own 3: met;
            # the outlet (Bob's, 3) against the line's 4.5: missed.
            {"metric": "satisfaction", "value": "4.5", "breakdowns": [
                {"area": south, "value": "3"}]},
            # Every ticket fixed first time: met everywhere.
            {"metric": "first_time_fix", "value": "85"},
        ],
    )  # fmt: skip
    services.target_set_submit(target_set=target_set, actor=supervisor)
    services.target_set_approve(target_set=target_set, actor=manager)

    services.target_set_evaluate(target_set=target_set, actor=supervisor, today=APRIL_2ND)

    results = {
        (r.line.metric, r.scope, r.area_id or r.outlet_id): r
        for r in TargetResult.objects.select_related("line")
    }
    overall = results[("satisfaction", Scope.OVERALL, None)]
    assert (overall.outcome, overall.actual, overall.sample) == (Outcome.MISSED, 4, 3)
    assert results[("satisfaction", Scope.AREA, north.pk)].outcome == Outcome.MET
    assert results[("satisfaction", Scope.AREA, south.pk)].outcome == Outcome.MET
    assert results[("satisfaction", Scope.OUTLET, outlet.pk)].outcome == Outcome.MISSED
    assert {r.outcome for k, r in results.items() if k[0] == "first_time_fix"} == {Outcome.MET}
    findings = Finding.objects.all()
    assert findings.count() == 2
    assert {r.finding_id for r in results.values() if r.outcome == Outcome.MISSED} == set(
        findings.values_list("pk", flat=True)
    )
    assert all(r.finding_id is None for r in results.values() if r.outcome == Outcome.MET)
    audit = QualityAudit.objects.get()
    assert audit.title == "Target evaluation 2026-03"
    assert not audit.samples.exists()
    actions = CorrectiveAction.objects.all()
    assert actions.count() == 2
    # Nobody named and no default configured: the manager who approved owns them.
    assert {a.owner_id for a in actions} == {manager.pk}
    assert {a.due_on for a in actions} == {date(2026, 5, 2)}


def test_the_owner_of_an_outlet_miss_is_its_dispatcher_or_the_configured_default(
    supervisor, manager, march_tickets, make_user, settings
):
    dispatcher = make_user("outlet_dispatcher")
    march_tickets["outlet"].dispatchers.add(dispatcher)
    settings.TARGETS_DEFAULT_OWNER = "quality-lead"
    lead = make_user("supervisor", username="quality-lead")
    target_set = services.target_set_create(
        actor=supervisor, period_kind="month", period_start=MARCH,
        lines=[{"metric": "satisfaction", "value": "4.9"}],
    )  # fmt: skip
    services.target_set_submit(target_set=target_set, actor=supervisor)
    services.target_set_approve(target_set=target_set, actor=manager)
    services.target_set_evaluate(target_set=target_set, actor=None, today=APRIL_2ND)
    owners = {
        r.scope + str(r.area_id or r.outlet_id or ""): r.finding.actions.get().owner
        for r in TargetResult.objects.filter(outcome=Outcome.MISSED).select_related("finding")
    }
    assert owners[f"outlet{march_tickets['outlet'].pk}"] == dispatcher
    assert owners["overall"] == lead


def test_the_evaluation_runs_once(approved, march_tickets, supervisor):
    services.target_set_evaluate(target_set=approved, actor=supervisor, today=APRIL_2ND)
    findings, results = Finding.objects.count(), TargetResult.objects.count()
    assert findings > 0
    services.target_set_evaluate(target_set=approved, actor=supervisor, today=APRIL_2ND)
    assert services.target_sets_evaluate_due(today=APRIL_2ND) == 0
    assert (Finding.objects.count(), TargetResult.objects.count()) == (findings, results)
    assert QualityAudit.objects.count() == 1


def test_the_daily_task_evaluates_ended_periods_only(approved, march_tickets, time_machine=None):
    assert services.target_sets_evaluate_due(today=date(2026, 3, 31)) == 0
    assert not TargetResult.objects.exists()
    assert services.target_sets_evaluate_due(today=APRIL_2ND) == 1
    assert TargetResult.objects.exists()
    assert target_sets_evaluate_due_task.run() == 0


def test_the_evaluation_refuses_a_running_period(approved, supervisor):
    with pytest.raises(ApplicationError) as error:
        services.target_set_evaluate(target_set=approved, actor=supervisor, today=date(2026, 3, 31))
    assert error.value.code == "period_not_ended"


def test_a_technician_may_not_evaluate(approved, technician):
    with pytest.raises(ActionForbidden):
        services.target_set_evaluate(target_set=approved, actor=technician.user, today=APRIL_2ND)
