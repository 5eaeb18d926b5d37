"""Our own error pages, under `make run` too, and the API docs behind the sign-in page."""

import importlib
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_run_settings(settings, monkeypatch):
    """The settings `make run` uses (aftersales.settings.local, no DEBUG in the environment)."""
    monkeypatch.delenv("DEBUG", raising=False)
    local = importlib.reload(importlib.import_module("aftersales.settings.local"))
    settings.DEBUG = local.DEBUG
    return local


def test_make_run_serves_static_files_with_debug_off(make_run_settings):
    assert make_run_settings.DEBUG is False
    procfile = (Path(settings.BASE_DIR) / "Procfile.dev").read_text()
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))
    assert "runserver --insecure" in web  # staticfiles' runserver serves /static/ anyway


@pytest.mark.parametrize(
    ("language", "title"), [("en", "Page not found"), ("zh-hans", "页面未找到")]
)
def test_technician_opening_another_technicians_ticket_gets_our_404_under_make_run(
    make_run_settings, client, ticket_in, other_technician, language, title
):
    ticket = ticket_in("dispatched")  # assigned to ``technician``, not to the other one
    client.force_login(other_technician.user)
    response = client.get(
        reverse("ticket-detail-page", args=[ticket.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 404
    assert response.templates[0].name == "404.html"
    page = response.content.decode()
    assert title in page
    assert reverse("ticket-list-page") in page and reverse("home") in page  # a way back
    assert "Technical 404" not in page and "URLconf" not in page  # not Django's debug page


def test_signed_out_404_offers_the_sign_in_page(make_run_settings, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert reverse("login") in response.content.decode()


def test_403_page_is_ours_and_translated(make_run_settings, client, technician):
    client.force_login(technician.user)
    response = client.get(reverse("dashboard-page"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 403
    assert "无权操作" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "title"), [("en", "Something went wrong"), ("zh-hans", "出错了")]
)
def test_500_handler_renders_our_page_without_context_or_database(
    django_assert_num_queries, language, title
):
    request = RequestFactory().get("/tickets/1/")
    with translation.override(language), django_assert_num_queries(0):
        response = defaults.server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert title in page
    assert f'<html lang="{language}">' in page
    assert 'href="/"' in page and reverse("ticket-list-page") in page
    assert "/static/css/app.css" in page


def test_signed_out_api_docs_redirect_to_sign_in(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{reverse('login')}?next=/api/docs/"


def test_api_docs_and_schema_answer_api_clients_with_a_token(integrator_client, anon_client):
    assert integrator_client.get("/api/docs/").status_code == 200
    schema = integrator_client.get("/api/schema/")
    assert schema.status_code == 200 and b"openapi" in schema.content
    # The schema stays an API endpoint: no credentials is the contract's 401.
    assert anon_client.get("/api/schema/").status_code == 401
    # A wrong token is refused as on every API endpoint, not sent to a sign-in page.
    anon_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert anon_client.get("/api/docs/").status_code == 401


def test_signed_in_person_gets_the_api_docs(agent, client):
    client.force_login(agent)
    assert client.get("/api/docs/").status_code == 200
