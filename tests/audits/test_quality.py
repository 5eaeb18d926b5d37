"""Quality audits: reproducible sampling with minimums, checklists, findings, corrective
actions verified by someone other than their owner, escalation of overdue actions."""

import datetime
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from aftersales.exceptions import ActionForbidden
from audits.models import AuditEvent, CorrectiveAction, Finding
from audits.quality import services
from audits.quality.services.quality import draw_sample
from tests.tickets.factories import TechnicianFactory

pytestmark = pytest.mark.django_db


def test_draw_sample_takes_the_percentage_rounded_up_with_the_minimum_and_caps_at_all():
    groups = {1: list(range(100, 125)), 2: [7, 8, 9], 3: [42]}
    chosen = draw_sample(groups, percent=10, minimum=2, seed=99)
    assert [len(chosen[g]) for g in (1, 2, 3)] == [3, 2, 1]
    assert set(chosen[1]) <= set(groups[1])
    assert draw_sample(groups, percent=10, minimum=2, seed=99) == chosen
    # A group's draw does not depend on the others.
    assert draw_sample({1: groups[1]}, percent=10, minimum=2, seed=99)[1] == chosen[1]


@pytest.fixture
def closed_by_two(closed_ticket):
    alice, bob = TechnicianFactory(full_name="Alice"), TechnicianFactory(full_name="Bob")
    for i in range(25):
        closed_ticket(alice, day=3 + i % 5)
    for _ in range(3):
        closed_ticket(bob, day=4)
    closed_ticket(bob, day=20)  # outside the period
    return alice, bob


def test_quality_audit_sample_is_reproducible_with_a_seed_and_respects_the_minimum(
    supervisor, closed_by_two
):
    alice, bob = closed_by_two

    def sample(seed):
        audit = services.quality_audit_create(
            actor=supervisor,
            title="March",
            period_start=date(2026, 3, 1),
            period_end=date(2026, 3, 10),
            sample_percent=10,
            sample_min=2,
            seed=seed,
        )
        return audit, sorted(audit.samples.values_list("ticket_id", "technician_id"))

    first, drawn = sample(1234)
    _, again = sample(1234)
    _, other = sample(4321)
    assert drawn == again
    assert drawn != other
    per_technician = [technician for _, technician in drawn]
    assert per_technician.count(alice.pk) == 3  # 10 % of 25, rounded up
    assert per_technician.count(bob.pk) == 2  # the minimum (10 % of 3 is less)
    assert AuditEvent.objects.filter(action="quality_audit.created").count() == 3
    sample_row = first.samples.first()
    assert sample_row.prefilled == {
        "fault_code": True,
        "parts": None,
        "signature": True,
        "satisfaction": True,
        "sla_met": True,
        "charges_correct": None,
    }


def test_checklist_prefill_flags_a_missing_record_and_a_late_response(
    supervisor, auditor, closed_ticket
):
    from tests.audits.conftest import at

    tech = TechnicianFactory()
    closed_ticket(tech, fault_code="", responded_at=at(6))
    audit = services.quality_audit_create(
        actor=supervisor, title="t", period_start=date(2026, 3, 1), period_end=date(2026, 3, 31)
    )
    [sample] = audit.samples.all()
    assert sample.prefilled["fault_code"] is False
    assert sample.prefilled["sla_met"] is False
    with pytest.raises(ValidationError, match="parts"):
        services.audit_sample_confirm(sample=sample, actor=auditor, checks={})
    confirmed = services.audit_sample_confirm(
        sample=sample, actor=auditor, checks={"parts": True, "charges_correct": True}
    )
    assert confirmed.checks["fault_code"] is False
    assert confirmed.confirmed_by == auditor
    assert not confirmed.conforming


def test_only_auditors_and_supervisors_create_quality_audits(agent, make_user):
    for actor in (agent, make_user("technician")):
        with pytest.raises(ActionForbidden):
            services.quality_audit_create(
                actor=actor, title="t", period_start=date(2026, 3, 1), period_end=date(2026, 3, 2)
            )


@pytest.fixture
def finding(supervisor, auditor, closed_ticket):
    closed_ticket(TechnicianFactory())
    audit = services.quality_audit_create(
        actor=supervisor, title="t", period_start=date(2026, 3, 1), period_end=date(2026, 3, 31)
    )
    return services.finding_open(
        audit=audit,
        sample=audit.samples.first(),
        actor=auditor,
        severity="major",
        description="Work order not signed",
    )


def test_corrective_action_verification_by_its_owner_is_refused(finding, auditor, supervisor):
    action = services.corrective_action_create(
        finding=finding,
        actor=supervisor,
        owner=auditor,
        description="Train the team",
        due_on=date(2026, 4, 1),
    )
    services.corrective_action_submit(action=action, actor=auditor, note="Training held")
    with pytest.raises(ActionForbidden) as refused:
        services.corrective_action_verify(action=action, actor=auditor, effective=True)
    assert refused.value.code == "verifier_is_owner"
    action.refresh_from_db()
    assert action.status == "submitted"
    services.corrective_action_verify(action=action, actor=supervisor, effective=True)
    action.refresh_from_db()
    finding.refresh_from_db()
    assert action.status == "verified" and action.verified_by == supervisor
    assert finding.status == "closed"


def test_only_the_owner_submits_evidence(finding, auditor, agent, supervisor):
    action = services.corrective_action_create(
        finding=finding, actor=auditor, owner=agent, description="d", due_on=date(2026, 4, 1)
    )
    with pytest.raises(ActionForbidden):
        services.corrective_action_submit(action=action, actor=supervisor, note="done")


def test_overdue_corrective_actions_escalate_once_per_level(
    finding, auditor, agent, mailoutbox, django_capture_on_commit_callbacks, deliver_notifications
):
    agent.email = "agent@example.com"
    agent.save()
    action = services.corrective_action_create(
        finding=finding, actor=auditor, owner=agent, description="d", due_on=date(2026, 4, 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.corrective_actions_escalate_overdue(today=date(2026, 4, 2)) == [action.pk]
        assert services.corrective_actions_escalate_overdue(today=date(2026, 4, 2)) == []
        assert services.corrective_actions_escalate_overdue(today=date(2026, 4, 9)) == [action.pk]
    action.refresh_from_db()
    assert action.escalation_level == 3
    deliver_notifications()  # the outbox's worker, after the commits above
    assert len(mailoutbox) == 2 and mailoutbox[0].to == ["agent@example.com"]
    assert AuditEvent.objects.filter(action="corrective_action.escalated").count() == 2


def test_escalation_task_runs_the_service(finding, auditor, agent, settings):
    from audits.quality.tasks import corrective_actions_escalate_overdue_task

    action = services.corrective_action_create(
        finding=finding,
        actor=auditor,
        owner=agent,
        description="d",
        due_on=date.today() - timedelta(days=2),
    )
    assert corrective_actions_escalate_overdue_task.apply().get() == [action.pk]
    assert AuditEvent.objects.get(action="corrective_action.escalated").source == "worker"


# --- API -----------------------------------------------------------------------------------


def test_api_quality_audit_flow_with_roles(
    supervisor_client, auditor_client, agent_client, technician_client, closed_ticket, agent
):
    closed_ticket(TechnicianFactory())
    body = {"title": "March", "period_start": "2026-03-01", "period_end": "2026-03-31",
            "sample_percent": 10, "sample_min": 1, "seed": 7}  # fmt: skip
    assert agent_client.post("/api/v1/quality-audits/", body, format="json").status_code == 403
    created = supervisor_client.post("/api/v1/quality-audits/", body, format="json")
    assert created.status_code == 201, created.data
    assert created.data["sample_size"] == 1 and created.data["seed"] == 7
    assert technician_client.get("/api/v1/quality-audits/").status_code == 403
    assert technician_client.get("/api/v1/findings/").status_code == 403

    samples = auditor_client.get("/api/v1/audit-samples/", {"audit": created.data["id"]})
    [sample] = samples.data["results"]
    confirm = auditor_client.post(
        f"/api/v1/audit-samples/{sample['id']}/confirm/",
        {"checks": {"parts": True, "charges_correct": False}, "note": "overcharged"},
        format="json",
    )
    assert confirm.status_code == 200, confirm.data
    assert confirm.data["conforming"] is False

    finding = auditor_client.post(
        "/api/v1/findings/",
        {"audit": created.data["id"], "sample": sample["id"], "severity": "major",
         "description": "Charge not per price list"},
        format="json",
    )  # fmt: skip
    assert finding.status_code == 201, finding.data
    action = auditor_client.post(
        "/api/v1/corrective-actions/",
        {"finding": finding.data["id"], "owner": agent.pk, "description": "Refund",
         "due_on": "2026-04-15"},
        format="json",
    )  # fmt: skip
    assert action.status_code == 201, action.data
    url = f"/api/v1/corrective-actions/{action.data['id']}/"
    assert (
        agent_client.get("/api/v1/corrective-actions/").data["results"][0]["id"]
        == action.data["id"]
    )
    evidence = agent_client.post(
        url + "evidence/",
        {"evidence": SimpleUploadedFile("refund.pdf", b"%PDF-1.4 refund"), "note": "refunded"},
        format="multipart",
    )
    assert evidence.status_code == 200, evidence.data
    assert evidence.data["status"] == "submitted"
    # The evidence is served by the API to whoever may see the action, never as public media.
    assert evidence.data["evidence"].endswith(url + "evidence-file/")
    download = auditor_client.get(url + "evidence-file/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 refund"
    assert agent_client.post(url + "verify/", {"effective": True}, format="json").status_code == 403
    verified = auditor_client.post(url + "verify/", {"effective": True}, format="json")
    assert verified.status_code == 200 and verified.data["status"] == "verified"
    assert Finding.objects.get().status == "closed"


def test_api_owner_verifying_their_own_action_gets_403(
    finding, auditor, auditor_client, supervisor
):
    with transaction.atomic():
        action = services.corrective_action_create(
            finding=finding, actor=supervisor, owner=auditor, description="d",
            due_on=date(2026, 4, 1),
        )  # fmt: skip
        services.corrective_action_submit(action=action, actor=auditor, note="done")
    response = auditor_client.post(
        f"/api/v1/corrective-actions/{action.pk}/verify/", {"effective": True}, format="json"
    )
    assert response.status_code == 403
    assert response.data["code"] == "verifier_is_owner"
    assert CorrectiveAction.objects.get().status == "submitted"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": "x", "period_start": "2026-03-09", "period_end": "2026-03-01"},
        {"title": "x", "period_start": "2026-03-01", "period_end": "2026-03-09",
         "sample_percent": 0},
        {"title": "x", "period_start": "not a date", "period_end": "2026-03-09"},
    ],
)  # fmt: skip
def test_api_bad_quality_audit_input_is_400(supervisor_client, body):
    assert supervisor_client.post("/api/v1/quality-audits/", body, format="json").status_code == 400


def test_api_audit_events_are_read_only(auditor_client):
    assert auditor_client.post("/api/v1/audit-events/", {}).status_code == 405
    assert auditor_client.delete("/api/v1/audit-events/1/").status_code == 405


def test_checklist_prefill_reads_parts_lines_and_checks_the_charging_rule():
    from types import SimpleNamespace

    from audits.quality.services.quality import checklist_prefill

    now = datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC)
    ticket = SimpleNamespace(
        responded_at=now, response_due_at=now, dispatched_at=now, completed_at=now,
        dispatch_due_at=now, follow_up_satisfaction=None, satisfaction=5, fault_code="E1",
        confirmation_signature="sig", warranty_decision="out_of_warranty",
    )  # fmt: skip
    covered = SimpleNamespace(warranty_covered=True)
    charged = SimpleNamespace(charged=True, part=covered)
    waived = SimpleNamespace(charged=False, part=covered)
    assert checklist_prefill(ticket)["parts"] is None
    assert checklist_prefill(ticket)["charges_correct"] is None
    assert checklist_prefill(ticket, [charged])["parts"] is True
    assert checklist_prefill(ticket, [charged])["charges_correct"] is True
    # Out of warranty every part is charged: a free line is a nonconformity.
    assert checklist_prefill(ticket, [charged, waived])["charges_correct"] is False
    ticket.warranty_decision = "in_warranty"
    assert checklist_prefill(ticket, [waived])["charges_correct"] is True
