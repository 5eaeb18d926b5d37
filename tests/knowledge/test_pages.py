"""The knowledge pages: roles, constant queries, the editor's versions, the ticket page's
remote fix with an article, the queue and the question page."""

import pytest

from aftersales.roles import Role
from tests.tickets.factories import ProductFactory, ProductModelFactory, make_ticket
from tickets import services as lifecycle
from tickets.knowledge import services
from tickets.knowledge.models import ArticleFeedback, SupportQuestion, TicketArticle

pytestmark = pytest.mark.django_db


def _signed_in(client, user):
    client.force_login(user)
    return client


def test_article_list_search_and_reader(client, agent, catalogue, django_assert_max_num_queries):
    _signed_in(client, agent)
    with django_assert_max_num_queries(12):
        response = client.get("/knowledge/")
    assert response.status_code == 200 and "Refrigerator leaking water" in response.text
    with django_assert_max_num_queries(12):
        response = client.get("/knowledge/", {"q": "fridge is leaking water"})
    assert response.status_code == 200
    rows = client.get("/knowledge/", {"q": "冰箱漏水"}, HTTP_HX_REQUEST="true")
    assert 'id="kb-rows"' in rows.text and "<html" not in rows.text
    assert "Refrigerator leaking water" in rows.text
    article = catalogue["fridge-leak"]
    page = client.get(f"/knowledge/{article.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert client.get(f"/knowledge/{article.pk}/?version=9").status_code == 404
    assert client.get("/knowledge/new/").status_code == 403


def test_editor_publishes_versions_and_old_ones_stay(client, supervisor, catalogue):
    _signed_in(client, supervisor)
    article = catalogue["washer-leak"]
    response = client.post(
        f"/knowledge/{article.pk}/edit/",
        {
            "title_en": "Washer leaking",
            "symptoms_en": "Water on the floor",
            "steps_en": "Tighten the hose",
            "expected_version": "1",
        },
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.current.number == 2
    old = client.get(f"/knowledge/{article.pk}/?version=1")
    assert "Washer leaking water" in old.text
    refused = client.post(
        f"/knowledge/{article.pk}/edit/",
        {"title_en": "x", "symptoms_en": "x", "steps_en": "x", "expected_version": "1"},
    )
    assert refused.status_code == 400
    created = client.post(
        "/knowledge/new/",
        {
            "category": article.category_id,
            "title_zh": "洗衣机有异味",
            "symptoms_zh": "洗完衣服有臭味",
            "steps_zh": "清洗过滤器",
        },
    )
    assert created.status_code == 302


def test_feedback_button_once(client, make_user, catalogue):
    tech = make_user(Role.TECHNICIAN)
    _signed_in(client, tech)
    article = catalogue["fridge-noise"]
    client.post(f"/knowledge/{article.pk}/feedback/", {"helped": "yes", "next": "https://evil/"})
    response = client.post(f"/knowledge/{article.pk}/feedback/", {"helped": "no"})
    assert response.status_code == 302 and response["Location"] == f"/knowledge/{article.pk}/"
    assert ArticleFeedback.objects.filter(user=tech).count() == 1


def test_ticket_page_remote_fix_with_a_suggested_article(client, agent, catalogue):
    model = ProductModelFactory(category=catalogue["aircon-remote"].category)
    ticket = make_ticket(
        actor=agent, product=ProductFactory(model=model), description="遥控器没反应"
    )
    ticket = lifecycle.ticket_triage(
        ticket=ticket, actor=agent, priority="p3", warranty_decision="in_warranty"
    )
    _signed_in(client, agent)
    page = client.get(f"/tickets/{ticket.pk}/")
    version = catalogue["aircon-remote"].current
    assert f'value="{version.pk}"' in page.text
    response = client.post(
        f"/tickets/{ticket.pk}/resolve_remotely/",
        {"version": ticket.version, "resolution": "New batteries", "article": version.pk},
    )
    assert response.status_code in (200, 302), response.content[:500]
    ticket.refresh_from_db()
    assert ticket.status == "awaiting_confirmation"
    assert TicketArticle.objects.get(ticket=ticket).version == version


def test_queue_and_question_pages(
    client, agent, expert, catalogue, make_user, django_assert_max_num_queries
):
    for n in range(3):
        services.support_question_ask(actor=agent, question=f"q{n}")
    _signed_in(client, agent)
    with django_assert_max_num_queries(12):
        assert client.get("/support/").status_code == 200
    response = client.post("/support/", {"question": "Why E4?", "category": ""})
    assert response.status_code == 302
    question = SupportQuestion.objects.get(question="Why E4?")
    assert client.post(f"/support/{question.pk}/", {"answer": "x"}).status_code == 403
    assert client.post("/support/", {"question": ""}).status_code == 400
    client.force_login(expert)
    assert client.post("/support/", {"question": "x"}).status_code == 403
    response = client.post(f"/support/{question.pk}/", {"answer": "Book a visit"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.status == "answered"
    client.force_login(make_user(Role.INTEGRATOR))
    assert client.get("/support/").status_code == 403
