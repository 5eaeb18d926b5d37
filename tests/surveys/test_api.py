"""The surveys' REST API per endpoint and role: templates (read by the staff, written by
supervisors), the return visit with answers through the ticket's follow-up action,
responses, results (figures equal a recomputation, constant queries) and tasks."""

import pytest
from django.utils import timezone

from tickets.models import Ticket
from tickets.surveys.models import SurveyFollowUpTask, SurveyResponse, SurveyTemplate

from .conftest import GOOD

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {"key": "attitude", "text_en": "Attitude?", "text_zh": "态度？"},
    {"key": "overall", "text_en": "Overall?", "text_zh": "总体？"},
]


def _today():
    return timezone.localdate().isoformat()


def test_every_staff_role_reads_the_templates(agent_client, auditor_client, technician_client):
    for client in (agent_client, auditor_client):
        body = client.get("/api/v1/survey-templates/?status=active").json()
        (active,) = body["results"]
        assert active["code"] == "standard"
        assert [q["key"] for q in active["questions"]][:5] == [
            "timeliness", "attitude", "skill", "cleanliness", "overall"
        ]  # fmt: skip
    assert technician_client.get("/api/v1/survey-templates/").status_code == 403


def test_a_supervisor_creates_revises_and_activates_a_template(supervisor_client, agent_client):
    body = {"code": "install", "title_en": "Installation", "title_zh": "安装回访",
            "category": "installation", "questions": QUESTIONS}  # fmt: skip
    assert agent_client.post("/api/v1/survey-templates/", body, format="json").status_code == 403
    created = supervisor_client.post("/api/v1/survey-templates/", body, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == "draft"
    revised = supervisor_client.post(
        f"/api/v1/survey-templates/{pk}/revise/",
        {"questions": [*QUESTIONS, {"key": "tidy", "kind": "yes_no", "text_en": "Tidy?"}]},
        format="json",
    )
    assert revised.status_code == 200, revised.content
    assert [q["key"] for q in revised.json()["questions"]] == ["attitude", "overall", "tidy"]
    activated = supervisor_client.post(f"/api/v1/survey-templates/{pk}/activate/")
    assert activated.status_code == 200 and activated.json()["status"] == "active"
    assert SurveyTemplate.objects.get(pk=pk).status == "active"


@pytest.mark.parametrize(
    "body",
    [
        {"code": "x", "title_en": "X", "questions": []},
        {"code": "x", "title_en": "X", "questions": [{"key": "attitude", "text_en": "A"}]},
        {"code": "x", "title_en": "X", "questions": QUESTIONS, "colour": "red"},
        {"code": "X Y", "title_en": "X", "questions": QUESTIONS},
        {"code": "x", "title_en": "X", "questions": QUESTIONS, "category": "nope"},
        {"code": "x", "title_en": "X", "questions": [{"key": "overall", "kind": "stars"}]},
    ],
)
def test_bad_template_input_is_a_400(supervisor_client, body):
    response = supervisor_client.post("/api/v1/survey-templates/", body, format="json")
    assert response.status_code == 400, response.content
    assert not SurveyTemplate.objects.filter(code__in=["x", "X Y"]).exists()


def test_a_taken_code_is_a_400(supervisor_client):
    body = {"code": "standard", "title_en": "Again", "questions": QUESTIONS}
    response = supervisor_client.post("/api/v1/survey-templates/", body, format="json")
    assert response.status_code == 400 and "code" in response.json()


def test_the_desk_records_the_call_with_answers_through_the_follow_up_action(
    agent_client, ticket_in
):
    ticket = Ticket.objects.get(pk=ticket_in("closed").pk)
    url = f"/api/v1/tickets/{ticket.pk}/follow_up/"
    bad = agent_client.post(url, {"via": "phone", "answers": {**GOOD, "skill": 9}}, format="json")
    assert bad.status_code == 400 and "skill" in bad.json()
    assert agent_client.post(url, {"via": "phone"}, format="json").status_code == 400
    answers = {**GOOD, "attitude": 2, "solved": False}
    ok = agent_client.post(url, {"via": "phone", "answers": answers}, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["follow_up_satisfaction"] == 5
    response = SurveyResponse.objects.get(ticket=ticket)
    listed = agent_client.get(f"/api/v1/survey-responses/?ticket={ticket.pk}").json()
    (row,) = listed["results"]
    assert row["id"] == response.pk and row["channel"] == "call"
    assert {a["key"]: a["rating"] for a in row["answers"]}["attitude"] == 2
    assert {a["key"]: a["yes"] for a in row["answers"]}["solved"] is False
    assert row["follow_up_task"] == SurveyFollowUpTask.objects.get().pk


def test_tasks_are_listed_and_closed_by_the_desk(
    agent_client, auditor_client, ticket_in, follow_up
):
    follow_up(ticket_in("closed"), overall=2)
    task = SurveyFollowUpTask.objects.get()
    (row,) = auditor_client.get("/api/v1/survey-tasks/?status=open").json()["results"]
    assert row["low_answers"] == [{"key": "overall", "rating": 2}]
    url = f"/api/v1/survey-tasks/{task.pk}/close/"
    assert auditor_client.post(url, {"note": "x"}, format="json").status_code == 403
    assert agent_client.post(url, {}, format="json").status_code == 400
    done = agent_client.post(url, {"note": "Called back"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "closed"
    again = agent_client.post(url, {"note": "Again"}, format="json")
    assert again.status_code == 409


def test_the_results_equal_a_recomputation_in_constant_queries(
    supervisor_client, agent_client, ticket_in, follow_up, django_assert_max_num_queries
):
    url = f"/api/v1/reports/surveys/?first={_today()}&last={_today()}"
    assert agent_client.get(url).status_code == 403
    for overall, cleanliness in [(5, 4), (2, 1)]:
        follow_up(ticket_in("closed"), overall=overall, cleanliness=cleanliness)
    with django_assert_max_num_queries(12) as few:
        body = supervisor_client.get(url).json()
    for overall, cleanliness in [(4, 3), (3, 5), (5, 5)]:
        follow_up(ticket_in("closed"), overall=overall, cleanliness=cleanliness)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = supervisor_client.get(url).json()
    assert body["responses"] == 5
    averages = {q["key"]: q["average"] for q in body["questions"]}
    assert averages["overall"] == round((5 + 2 + 4 + 3 + 5) / 5, 2)
    assert averages["cleanliness"] == round((4 + 1 + 3 + 5 + 5) / 5, 2)
    assert sum(r["count"] for r in body["by"]["technician"]) == 5
    assert len(body["by"]["technician"]) == 5  # one technician each


@pytest.mark.parametrize(
    "query", ["", "?first=2026-01-02", "?first=x&last=y", "?first=2026-02-01&last=2026-01-01",
              "?first=2020-01-01&last=2026-01-01"],
)  # fmt: skip
def test_a_bad_results_period_is_a_400(supervisor_client, query):
    assert supervisor_client.get(f"/api/v1/reports/surveys/{query}").status_code == 400
