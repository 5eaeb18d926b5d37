"""The REST API of service targets, per endpoint and role."""

import pytest

from audits.targets.choices import TargetSetStatus
from audits.targets.models import TargetSet

from .conftest import standard_lines

pytestmark = pytest.mark.django_db

URL = "/api/v1/target-sets/"


def _draft(client, **extra):
    body = {"period_kind": "month", "period_start": "2026-03-15", "lines": standard_lines()}
    body.update(extra)
    return client.post(URL, body, format="json")


def test_a_supervisor_drafts_submits_and_a_manager_approves(supervisor_client, manager_client):
    created = _draft(supervisor_client)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["period_start"] == "2026-03-01"
    assert len(created.json()["lines"]) == 3
    assert supervisor_client.post(f"{URL}{pk}/submit/").status_code == 200
    assert supervisor_client.post(f"{URL}{pk}/approve/").status_code == 403
    approved = manager_client.post(f"{URL}{pk}/approve/")
    assert approved.status_code == 200
    assert approved.json()["status"] == TargetSetStatus.APPROVED
    read_only = supervisor_client.post(
        f"{URL}{pk}/lines/", {"lines": standard_lines(satisfaction="4")}, format="json"
    )
    assert read_only.status_code == 409
    assert read_only.json()["code"] == "target_set_read_only"


def test_a_manager_returns_with_a_reason(supervisor_client, manager_client):
    pk = _draft(supervisor_client).json()["id"]
    supervisor_client.post(f"{URL}{pk}/submit/")
    assert manager_client.post(f"{URL}{pk}/return/", {}, format="json").status_code == 400
    returned = manager_client.post(f"{URL}{pk}/return/", {"reason": "Aim higher"}, format="json")
    assert returned.status_code == 200
    assert returned.json()["return_reason"] == "Aim higher"


@pytest.mark.parametrize(
    "body",
    [
        {"period_kind": "week"},
        {"lines": [{"metric": "speed", "value": 1}]},
        {"lines": [{"metric": "satisfaction", "value": 9}]},
        {"lines": [{"metric": "satisfaction", "value": 4, "colour": "red"}]},
        {"lines": [{"metric": "satisfaction", "value": 4, "breakdowns": [{"value": 4}]}]},
        {"status": "approved"},
    ],
)
def test_bad_input_answers_400(supervisor_client, body):
    assert _draft(supervisor_client, **body).status_code == 400


def test_who_may_read_and_write(agent_client, auditor_client, manager_client, supervisor_client):
    pk = _draft(supervisor_client).json()["id"]
    assert agent_client.get(URL).status_code == 403
    assert auditor_client.get(URL).status_code == 200
    assert auditor_client.get(f"{URL}{pk}/progress/").status_code == 200
    assert _draft(auditor_client).status_code == 403
    assert _draft(manager_client).status_code == 403
    assert manager_client.get("/api/v1/target-lines/").status_code == 200


def test_progress_and_results(approved, march_tickets, supervisor_client):
    progress = supervisor_client.get(f"{URL}{approved.pk}/progress/")
    assert progress.status_code == 200
    assert {line["metric"] for line in progress.json()["lines"]} == {
        "response_sla",
        "first_time_fix",
        "satisfaction",
    }
    assert supervisor_client.get(f"{URL}{approved.pk}/results/").json() == []
    # The period (March 2026) has ended by now: the button evaluates it.
    evaluated = supervisor_client.post(f"{URL}{approved.pk}/evaluate/")
    assert evaluated.status_code == 200, evaluated.content
    assert evaluated.json()["evaluated_at"]
    results = supervisor_client.get(f"{URL}{approved.pk}/results/").json()
    assert {row["outcome"] for row in results} >= {"met"}


def test_the_list_runs_constant_queries(
    supervisor_client, supervisor, django_assert_max_num_queries
):
    for _ in range(3):
        _draft(supervisor_client)
    with django_assert_max_num_queries(12):
        response = supervisor_client.get(URL)
    assert response.status_code == 200
    assert TargetSet.objects.count() == 3
