"""``/integrator-tokens/`` with Django's test client: who may open it, each form's modes
(plain POST and htmx), the key shown once, the errors on the form."""

import datetime

import pytest
from django.utils import timezone

from aftersales.roles import Role
from aftersales.tokens.models import IntegratorToken, token_digest
from audits.models import AuditEvent

pytestmark = pytest.mark.django_db
PAGE = "/integrator-tokens/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def desk(client, supervisor):
    client.force_login(supervisor)
    return client


def _key(response):
    """The key shown in the answer (the read-only field of the issued panel)."""
    html = response.content.decode()
    start = html.index('id="issued-key"')
    value = html.index('value="', start) + len('value="')
    return html[value : html.index('"', value)]


@pytest.mark.parametrize("role", [Role.AGENT, Role.TECHNICIAN, Role.AUDITOR, Role.INTEGRATOR])
def test_only_supervisors_open_the_page_or_post_to_it(client, make_user, role, shop, issue):
    token, _key = issue(shop)
    client.force_login(make_user(role))

    assert client.get(PAGE).status_code == 403
    assert client.post(f"{PAGE}new/", {"user": shop.pk, "name": "x"}).status_code == 403
    assert client.post(f"{PAGE}{token.pk}/rotate/").status_code == 403
    assert client.post(f"{PAGE}{token.pk}/revoke/").status_code == 403
    assert IntegratorToken.objects.get().digest == token.digest
    assert IntegratorToken.objects.get().revoked_at is None


def test_the_page_lists_tokens_with_prefix_and_last_use_never_the_key(
    desk, shop, issue, bearer, django_assert_max_num_queries
):
    token, key = issue(shop, name="Web shop")
    bearer(key).get("/api/v1/tickets/")

    with django_assert_max_num_queries(12):
        response = desk.get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Web shop" in html and token.display_prefix in html
    assert key not in html and token.digest not in html
    assert "Never" not in html.split("<tbody>")[1].split("</tbody>")[0]
    assert 'href="/integrator-tokens/"' in html  # the supervisor's menu


def test_the_menu_links_the_page_for_supervisors_only(client, agent, supervisor):
    client.force_login(agent)
    assert 'href="/integrator-tokens/"' not in client.get("/tickets/").content.decode()
    client.force_login(supervisor)
    assert 'href="/integrator-tokens/"' in client.get("/tickets/").content.decode()


@pytest.mark.parametrize("htmx", [False, True])
def test_create_shows_the_key_once_and_stores_its_digest(desk, shop, htmx):
    day = timezone.localdate() + datetime.timedelta(days=30)
    response = desk.post(
        f"{PAGE}new/",
        {"user": shop.pk, "name": "ERP", "expires_at": day.isoformat()},
        **(HTMX if htmx else {}),
    )

    assert response.status_code == 200
    key = _key(response)
    token = IntegratorToken.objects.get()
    assert token.digest == token_digest(key) and token.name == "ERP"
    assert timezone.localtime(token.expires_at).date() == day + datetime.timedelta(days=1)
    assert AuditEvent.objects.filter(action="integrator_token.created").count() == 1
    html = response.content.decode()
    assert ("<html" in html) is not htmx  # htmx gets the panel, a plain post the page
    assert key not in desk.get(PAGE).content.decode()  # shown once


@pytest.mark.parametrize(
    ("data", "field_text"),
    [
        ({"name": ""}, "This field is required."),
        ({"expires_at": "2001-01-01"}, "Choose today or a later day."),
        ({"name": "Taken"}, "already has a token with this name"),
    ],
)
def test_a_refused_create_is_400_with_the_error_and_issues_nothing(
    desk, shop, issue, data, field_text
):
    issue(shop, name="Taken")
    response = desk.post(f"{PAGE}new/", {"user": shop.pk, "name": "New", **data}, **HTMX)

    assert response.status_code == 400
    assert field_text in response.content.decode()
    assert IntegratorToken.objects.count() == 1


@pytest.mark.parametrize("new_expiry", [False, True])
def test_rotate_shows_a_new_key_and_the_old_one_stops(desk, shop, issue, bearer, new_expiry):
    token, old_key = issue(shop)
    day = timezone.localdate() + datetime.timedelta(days=5)
    data = {f"rotate-{token.pk}-expires_at": day.isoformat() if new_expiry else ""}

    response = desk.post(f"{PAGE}{token.pk}/rotate/", data, **HTMX)

    assert response.status_code == 200
    new_key = _key(response)
    token.refresh_from_db()
    assert token.digest == token_digest(new_key) and token.rotated_at is not None
    assert (token.expires_at is not None) is new_expiry
    assert bearer(old_key).get("/api/v1/tickets/").status_code == 401
    assert bearer(new_key).get("/api/v1/tickets/").status_code == 200


def test_a_refused_rotation_shows_its_error_on_its_row(desk, shop, issue):
    token, _key = issue(shop, expires_at=timezone.now() + datetime.timedelta(hours=1))
    IntegratorToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    digest = IntegratorToken.objects.get().digest

    response = desk.post(f"{PAGE}{token.pk}/rotate/", {}, **HTMX)

    assert response.status_code == 400
    assert "expiry has passed" in response.content.decode()
    assert IntegratorToken.objects.get().digest == digest


@pytest.mark.parametrize("htmx", [False, True])
def test_revoke_stops_the_token(desk, shop, issue, bearer, htmx):
    token, key = issue(shop, name="IVR")

    response = desk.post(f"{PAGE}{token.pk}/revoke/", **(HTMX if htmx else {}))

    if htmx:
        assert response.status_code == 200 and "revoked" in response.content.decode()
    else:
        assert response.status_code == 302 and response["Location"] == PAGE
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(key).get("/api/v1/tickets/").status_code == 401
    assert AuditEvent.objects.filter(action="integrator_token.revoked").count() == 1


def test_the_page_speaks_chinese(desk, shop, issue):
    issue(shop)
    desk.cookies["django_language"] = "zh-hans"

    html = desk.get(PAGE, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "系统对接方令牌" in html and "轮换" in html and "吊销" in html


@pytest.mark.parametrize("action", ["rotate", "revoke"])
def test_acting_on_a_token_someone_else_revoked_meanwhile_says_so(
    desk, shop, issue, supervisor, action
):
    from aftersales.tokens import services

    token, _key = issue(shop, name="IVR")
    services.integrator_token_revoke(token=token, actor=supervisor)
    digest = IntegratorToken.objects.get().digest

    response = desk.post(f"{PAGE}{token.pk}/{action}/", {}, **HTMX)

    assert response.status_code == 400
    assert 'class="message error"' in response.content.decode()
    assert "revoked" in response.content.decode()
    assert IntegratorToken.objects.get().digest == digest
    assert AuditEvent.objects.filter(action="integrator_token.revoked").count() == 1
