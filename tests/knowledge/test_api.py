"""The knowledge API per endpoint and role."""

import pytest

from tests.tickets.factories import make_ticket
from tickets import services as lifecycle
from tickets.knowledge.models import TicketArticle

pytestmark = pytest.mark.django_db

ARTICLE = {
    "category": "fridge",
    "title_en": "Door alarm beeps",
    "title_zh": "冰箱门报警",
    "symptoms_en": "Beeping with the door closed",
    "steps_en": "Close the door firmly\nCheck the seal",
}


def test_suggestions_endpoint(catalogue, agent_client, technician_client, anon_client):
    response = agent_client.get("/api/v1/knowledge/suggestions/", {"q": "洗衣机脱水时响声很大"})
    assert response.status_code == 200
    assert response.json()[0]["code"] == "washer-spin-noise"
    assert response.json()[0]["version"] == 1
    response = technician_client.get(
        "/api/v1/knowledge/suggestions/", {"q": "leaking", "category": "fridge", "limit": 2}
    )
    assert response.status_code == 200 and len(response.json()) <= 2
    assert {row["category"] for row in response.json()} == {"fridge"}
    assert agent_client.get("/api/v1/knowledge/suggestions/").status_code == 400
    assert (
        agent_client.get(
            "/api/v1/knowledge/suggestions/", {"q": "x", "category": "nope"}
        ).status_code
        == 400
    )
    assert (
        agent_client.get("/api/v1/knowledge/suggestions/", {"q": "x", "limit": 0}).status_code
        == 400
    )
    assert anon_client.get("/api/v1/knowledge/suggestions/", {"q": "x"}).status_code in (401, 403)


def test_articles_list_retrieve_create_publish(
    catalogue, agent_client, supervisor_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = agent_client.get("/api/v1/knowledge/articles/")
    assert response.status_code == 200
    assert response.json()["count"] == 20
    assert (
        agent_client.post("/api/v1/knowledge/articles/", ARTICLE, format="json").status_code == 403
    )
    response = supervisor_client.post("/api/v1/knowledge/articles/", ARTICLE, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["current"]["number"] == 1
    bad = supervisor_client.post(
        "/api/v1/knowledge/articles/", {**ARTICLE, "colour": "red"}, format="json"
    )
    assert bad.status_code == 400
    assert (
        supervisor_client.post(
            "/api/v1/knowledge/articles/", {"category": "fridge"}, format="json"
        ).status_code
        == 400
    )
    response = supervisor_client.post(
        f"/api/v1/knowledge/articles/{pk}/publish/",
        {**{k: v for k, v in ARTICLE.items() if k != "category"}, "expected_version": 1},
        format="json",
    )
    assert response.status_code == 200 and response.json()["number"] == 2
    stale = supervisor_client.post(
        f"/api/v1/knowledge/articles/{pk}/publish/",
        {**{k: v for k, v in ARTICLE.items() if k != "category"}, "expected_version": 1},
        format="json",
    )
    assert stale.status_code == 409
    versions = agent_client.get(f"/api/v1/knowledge/articles/{pk}/versions/")
    assert [v["number"] for v in versions.json()] == [1, 2]
    assert agent_client.get(f"/api/v1/knowledge/articles/{pk}/").json()["current"]["number"] == 2


def test_feedback_endpoint(catalogue, agent_client, agent, auditor_client):
    pk = catalogue["fridge-leak"].pk
    ticket = make_ticket(actor=agent)
    url = f"/api/v1/knowledge/articles/{pk}/feedback/"
    assert (
        agent_client.post(url, {"helped": True, "ticket": ticket.pk}, format="json").status_code
        == 201
    )
    assert (
        agent_client.post(url, {"helped": False, "ticket": ticket.pk}, format="json").status_code
        == 409
    )
    assert agent_client.post(url, {"ticket": ticket.pk}, format="json").status_code == 400
    assert (
        agent_client.post(url, {"helped": True, "ticket": 999999}, format="json").status_code == 400
    )
    assert auditor_client.post(url, {"helped": True}, format="json").status_code == 403


def test_questions_ask_answer_list(
    catalogue, agent_client, agent, technician_client, api_client_for, expert
):
    ticket = make_ticket(actor=agent)
    response = agent_client.post(
        "/api/v1/knowledge/questions/",
        {"question": "E4 again?", "ticket": ticket.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["status"] == "open" and response.json()["ticket"] == ticket.pk
    hidden = technician_client.post(
        "/api/v1/knowledge/questions/", {"question": "?", "ticket": ticket.pk}, format="json"
    )
    assert hidden.status_code == 404  # a ticket the technician may not see
    assert technician_client.get("/api/v1/knowledge/questions/").json()["results"] == []
    assert (
        agent_client.post(
            f"/api/v1/knowledge/questions/{pk}/answer/", {"answer": "x"}, format="json"
        ).status_code
        == 403
    )
    expert_client = api_client_for(expert)
    assert (
        expert_client.post(
            f"/api/v1/knowledge/questions/{pk}/answer/", {}, format="json"
        ).status_code
        == 400
    )
    response = expert_client.post(
        f"/api/v1/knowledge/questions/{pk}/answer/", {"answer": "Book a visit"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "answered"
    assert expert_client.get("/api/v1/knowledge/questions/?status=answered").json()["count"] == 1
    assert (
        agent_client.post(
            "/api/v1/knowledge/questions/", {"question": ""}, format="json"
        ).status_code
        == 400
    )


def test_remote_fix_through_the_ticket_api_records_the_article(catalogue, agent_client, agent):
    ticket = make_ticket(actor=agent)
    ticket = lifecycle.ticket_triage(
        ticket=ticket, actor=agent, priority="p3", warranty_decision="in_warranty"
    )
    version = catalogue["aircon-remote"].current
    url = f"/api/v1/tickets/{ticket.pk}/resolve_remotely/"
    bad = agent_client.post(url, {"resolution": "x", "article": 999999}, format="json")
    assert bad.status_code == 400
    response = agent_client.post(
        url, {"resolution": "Batteries", "article": version.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert TicketArticle.objects.get(ticket=ticket).version == version
