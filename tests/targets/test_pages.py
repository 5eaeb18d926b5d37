"""The target pages: who sees what, every form mode through the page, the database read
back; the public page without login."""

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from audits.targets import services
from audits.targets.choices import TargetSetStatus
from audits.targets.models import TargetSet
from tests.tickets.factories import AreaFactory
from tickets.models import SlaPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_client():
    def build(user):
        client = Client()
        client.force_login(user)
        return client

    return build


def _editor_post(**extra):
    data = {
        "period_kind": "month",
        "period_start": "2026-03-10",
        "note": "",
        "line-first_time_fix-include": "on",
        "line-first_time_fix-comparator": "gte",
        "line-first_time_fix-value": "85",
        "line-satisfaction-comparator": "gte",
        "line-satisfaction-value": "",
    }
    data.update(extra)
    return data


def test_a_supervisor_drafts_and_submits_through_the_page(page_client, supervisor, manager):
    north = AreaFactory(code="n", name="North")
    client = page_client(supervisor)
    assert client.get("/targets/new/").status_code == 200
    response = client.post(
        "/targets/new/",
        _editor_post(
            **{"part-0-metric": "first_time_fix", "part-0-place": f"area:{north.pk}",
               "part-0-value": "80", "submit": "1"}
        ),
    )  # fmt: skip
    assert response.status_code == 302
    target_set = TargetSet.objects.get()
    assert target_set.status == TargetSetStatus.SUBMITTED
    line = target_set.lines.get()
    assert (line.metric, line.value, line.breakdowns.get().area) == ("first_time_fix", 85, north)
    page = page_client(manager).get(f"/targets/{target_set.pk}/")
    assert b'id="target-approve"' in page.content
    page_client(manager).post(f"/targets/{target_set.pk}/", {"action": "approve"})
    target_set.refresh_from_db()
    assert target_set.status == TargetSetStatus.APPROVED


def test_a_break_down_without_an_overall_target_is_refused(page_client, supervisor):
    north = AreaFactory(code="n", name="North")
    response = page_client(supervisor).post(
        "/targets/new/",
        _editor_post(**{"part-0-metric": "satisfaction", "part-0-place": f"area:{north.pk}",
                        "part-0-value": "4"}),
    )  # fmt: skip
    assert response.status_code == 200
    assert not TargetSet.objects.exists()


def test_the_manager_returns_with_a_reason_and_the_supervisor_edits(
    page_client, draft, supervisor, manager
):
    services.target_set_submit(target_set=draft, actor=supervisor)
    client = page_client(manager)
    assert (
        client.post(f"/targets/{draft.pk}/", {"action": "return", "reason": ""}).status_code == 200
    )
    client.post(f"/targets/{draft.pk}/", {"action": "return", "reason": "Aim higher"})
    draft.refresh_from_db()
    assert draft.status == TargetSetStatus.RETURNED
    page = page_client(supervisor).get(f"/targets/{draft.pk}/")
    assert b"Aim higher" in page.content and b'id="target-save"' in page.content


def test_an_approved_set_shows_no_editor_and_only_managers_approve(
    page_client, approved, supervisor, auditor
):
    page = page_client(supervisor).get(f"/targets/{approved.pk}/")
    assert b'id="target-save"' not in page.content
    assert page_client(auditor).get(f"/targets/{approved.pk}/").status_code == 200
    response = page_client(supervisor).post(f"/targets/{approved.pk}/", {"action": "approve"})
    assert response.status_code == 403


def test_the_evaluate_button_files_findings_and_lists_them(
    page_client, approved, march_tickets, supervisor
):
    client = page_client(supervisor)
    page = client.get(f"/targets/{approved.pk}/")
    assert b'id="target-evaluate"' in page.content
    client.post(f"/targets/{approved.pk}/", {"action": "evaluate"})
    approved.refresh_from_db()
    assert approved.evaluated_at is not None
    page = client.get(f"/targets/{approved.pk}/")
    assert b'id="target-results"' in page.content and b"Finding" in page.content
    audit_page = client.get(f"/quality/audits/{approved.evaluation_audit_id}/")
    assert audit_page.status_code == 200
    assert "Target missed" in audit_page.content.decode()


def test_progress_page_runs_constant_queries(
    page_client, approved, march_tickets, supervisor, django_assert_max_num_queries
):
    client = page_client(supervisor)
    client.get(f"/targets/{approved.pk}/progress/")
    with django_assert_max_num_queries(25):
        page = client.get(f"/targets/{approved.pk}/progress/")
    assert page.status_code == 200
    assert b"North" in page.content and b"East outlet" in page.content


def test_agents_see_no_target_page(page_client, agent):
    assert page_client(agent).get("/targets/").status_code == 403


def test_the_public_page_shows_only_approved_commitments(supervisor, manager, client):
    today = timezone.localdate()
    current = services.target_set_create(
        actor=supervisor, period_kind="month", period_start=today,
        lines=[{"metric": "first_time_fix", "value": "85"},
               {"metric": "response_sla", "value": "98"}],
    )  # fmt: skip
    services.target_set_submit(target_set=current, actor=supervisor)
    services.target_set_approve(target_set=current, actor=manager)
    services.target_set_create(
        actor=supervisor, period_kind="quarter", period_start=today,
        lines=[{"metric": "complaint_rate", "value": "1"}],
    )  # fmt: skip
    page = client.get("/service/commitments/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "We fix it on the first visit 85% of the time." in text
    hours = SlaPolicy.objects.get(is_default=True).response_hours.normalize()
    assert f"We respond within {hours:f} working hours, 98% of the time." in text
    assert "complaint" not in text


def test_the_list_page_runs_constant_queries(
    page_client, supervisor, manager, django_assert_max_num_queries
):
    for day in ("2026-01-05", "2026-02-05", "2026-03-05"):
        services.target_set_create(
            actor=supervisor, period_kind="month", period_start=date.fromisoformat(day),
            lines=[{"metric": "satisfaction", "value": "4.5"}],
        )  # fmt: skip
    client = page_client(manager)
    client.get("/targets/")
    with django_assert_max_num_queries(12):
        page = client.get("/targets/")
    assert page.content.count(b"/targets/") >= 3
