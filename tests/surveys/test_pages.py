"""The survey pages through the Django client: the results in each period mode with its
CSV and constant queries, who may see them, the task queue and its close form, and the
ticket page's follow-up form built from the template."""

import csv
import io

import pytest
from django.utils import timezone

from tickets.surveys.models import SurveyFollowUpTask, SurveyResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    def sign(user):
        client.force_login(user)
        return client

    return sign


@pytest.mark.parametrize("query", ["", "?period=this_month", "?period=this_quarter",
                                   "?period=custom&first={today}&last={today}"])  # fmt: skip
def test_the_results_page_in_each_period_mode(signed_in, supervisor, ticket_in, follow_up, query):
    follow_up(ticket_in("closed"), overall=4, skill=2)
    today = timezone.localdate().isoformat()
    page = signed_in(supervisor).get("/surveys/results/" + query.format(today=today))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="survey-avg-overall">4.0<' in text and 'id="survey-avg-skill">2.0<' in text
    assert 'id="survey-technician"' in text and 'id="survey-product_model"' in text


def test_a_custom_period_without_days_is_a_400(signed_in, supervisor):
    page = signed_in(supervisor).get("/surveys/results/?period=custom")
    assert page.status_code == 400


def test_the_csv_has_the_figures_of_the_page(signed_in, auditor, ticket_in, follow_up):
    follow_up(ticket_in("closed"), overall=5)
    follow_up(ticket_in("closed"), overall=3)
    response = signed_in(auditor).get("/surveys/results/?period=this_month&export=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, total = rows[0], rows[1]
    assert header[:3] == ["Breakdown", "Name", "Responses"]
    assert total[2] == "2" and total[header.index("Overall")] == "4.0"
    assert sum(int(r[2]) for r in rows[2:] if r[0] == "By technician") == 2


def test_the_results_page_runs_constant_queries(
    signed_in, supervisor, ticket_in, follow_up, django_assert_max_num_queries
):
    client = signed_in(supervisor)
    follow_up(ticket_in("closed"))
    with django_assert_max_num_queries(40) as few:
        client.get("/surveys/results/")
    for _ in range(4):
        follow_up(ticket_in("closed"), overall=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/surveys/results/").status_code == 200


def test_who_sees_the_results_and_the_tasks(signed_in, make_user, agent, technician):
    assert signed_in(agent).get("/surveys/results/").status_code == 403
    assert signed_in(agent).get("/surveys/tasks/").status_code == 200
    assert signed_in(make_user("manager")).get("/surveys/results/").status_code == 200
    assert signed_in(technician.user).get("/surveys/tasks/").status_code == 403


def test_the_task_queue_closes_a_task_with_its_note(
    signed_in, agent, ticket_in, follow_up, django_assert_max_num_queries
):
    follow_up(ticket_in("closed"), overall=1)
    client = signed_in(agent)
    with django_assert_max_num_queries(30) as few:
        client.get("/surveys/tasks/")
    for _ in range(3):
        follow_up(ticket_in("closed"), overall=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/surveys/tasks/")
    assert page.content.decode().count('class="card" id="survey-task-') == 4
    task = SurveyFollowUpTask.objects.order_by("id").first()
    url = f"/surveys/tasks/{task.pk}/close/"
    client.post(url, {"version": task.version, "note": ""})
    assert SurveyFollowUpTask.objects.get(pk=task.pk).status == "open"
    client.post(url, {"version": task.version, "note": "Called back, offered a revisit"})
    task.refresh_from_db()
    assert (task.status, task.note, task.closed_by) == (
        "closed", "Called back, offered a revisit", agent
    )  # fmt: skip
    assert "Called back" in client.get("/surveys/tasks/?status=closed").content.decode()


def test_the_ticket_pages_follow_up_form_asks_the_templates_questions(signed_in, agent, ticket_in):
    ticket = ticket_in("closed")
    client = signed_in(agent)
    text = client.get(f"/tickets/{ticket.pk}/").content.decode()
    for name in ("timeliness", "attitude", "skill", "cleanliness", "satisfaction", "solved"):
        assert f'name="{name}"' in text
    refused = client.post(
        f"/tickets/{ticket.pk}/follow_up/",
        {"version": ticket.version, "via": "phone", "satisfaction": "4"},
    )
    assert refused.status_code == 400 and not SurveyResponse.objects.exists()
