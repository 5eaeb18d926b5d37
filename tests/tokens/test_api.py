"""``/api/v1/integrator-tokens/``: supervisors issue, list, rotate and revoke; nobody
else; the key only in the answer that issues it; documented in the schema."""

import datetime

import pytest
from django.utils import timezone

from aftersales.roles import Role
from aftersales.tokens.models import IntegratorToken, token_digest
from audits.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = "/api/v1/integrator-tokens/"


def test_supervisor_issues_a_token_shown_once(supervisor_client, shop, bearer):
    response = supervisor_client.post(URL, {"user": shop.pk, "name": "Web shop"}, format="json")

    assert response.status_code == 201
    key = response.data["token"]
    token = IntegratorToken.objects.get(pk=response.data["id"])
    assert token.digest == token_digest(key) and token.user == shop
    assert response.data["prefix"] == f"aft_{token.prefix}…"
    assert response.data["status"] == "active" and response.data["name"] == "Web shop"
    listed = supervisor_client.get(URL).data["results"]
    detail = supervisor_client.get(f"{URL}{token.pk}/").data
    assert "token" not in listed[0] and "token" not in detail and "digest" not in detail
    assert key not in str(listed) + str(detail)
    assert bearer(key).get("/api/v1/tickets/").status_code == 200


def test_the_list_shows_name_prefix_and_last_use(supervisor_client, shop, issue, bearer):
    token, key = issue(shop, name="IVR")
    bearer(key).get("/api/v1/tickets/")

    row = supervisor_client.get(URL).data["results"][0]

    token.refresh_from_db()
    assert row["name"] == "IVR" and row["username"] == "shop"
    assert row["last_used_at"] == token.last_used_at.astimezone().isoformat()
    assert row["last_used_at"] is not None and row["expires_at"] is None


def test_rotate_answers_a_new_key_and_the_old_one_stops(supervisor_client, shop, issue, bearer):
    token, old_key = issue(shop)
    expires = timezone.now() + datetime.timedelta(days=7)

    response = supervisor_client.post(
        f"{URL}{token.pk}/rotate/", {"expires_at": expires.isoformat()}, format="json"
    )

    assert response.status_code == 200
    new_key = response.data["token"]
    assert new_key != old_key and response.data["rotated_at"] is not None
    assert bearer(old_key).get("/api/v1/tickets/").status_code == 401
    assert bearer(new_key).get("/api/v1/tickets/").status_code == 200
    token.refresh_from_db()
    assert token.expires_at == expires


def test_revoke_answers_the_record_and_a_second_revoke_is_409(
    supervisor_client, shop, issue, bearer
):
    token, key = issue(shop)

    response = supervisor_client.post(f"{URL}{token.pk}/revoke/")
    again = supervisor_client.post(f"{URL}{token.pk}/revoke/")

    assert response.status_code == 200 and response.data["status"] == "revoked"
    assert "token" not in response.data
    assert again.status_code == 409 and again.data["code"] == "token_revoked"
    assert bearer(key).get("/api/v1/tickets/").status_code == 401
    assert AuditEvent.objects.filter(action="integrator_token.revoked").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user": 999999, "name": "Shop"}, "user"),
        ({"user": "SHOP", "name": "Shop"}, "user"),
        ({"user": None, "name": ""}, "name"),
        ({"name": "Shop", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"name": "Shop", "expires_at": "tomorrow"}, "expires_at"),
        ({"name": "Shop", "secret": "mine"}, "secret"),
        ({"name": "x" * 81}, "name"),
    ],
)
def test_bad_input_is_400_on_its_field_and_issues_nothing(supervisor_client, shop, body, field):
    body = {"user": shop.pk, **body} if "user" not in body else body

    response = supervisor_client.post(URL, body, format="json")

    assert response.status_code == 400 and field in response.data
    assert not IntegratorToken.objects.exists()


def test_a_token_for_someone_who_is_no_integrator_is_400(supervisor_client, agent, supervisor):
    for user in (agent, supervisor):
        response = supervisor_client.post(URL, {"user": user.pk, "name": "x"}, format="json")
        assert response.status_code == 400 and "user" in response.data
    assert not IntegratorToken.objects.exists()


@pytest.mark.parametrize("persona", ["agent", "technician", "integrator", "auditor"])
def test_only_supervisors_reach_the_endpoints(request, persona, shop, issue):
    client = request.getfixturevalue(f"{persona}_client")
    token, _key = issue(shop)

    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{token.pk}/").status_code == 403
    assert client.post(URL, {"user": shop.pk, "name": "Mine"}, format="json").status_code == 403
    assert client.post(f"{URL}{token.pk}/rotate/").status_code == 403
    assert client.post(f"{URL}{token.pk}/revoke/").status_code == 403
    assert IntegratorToken.objects.get().revoked_at is None


def test_an_integrator_token_cannot_manage_tokens(shop, issue, bearer):
    token, key = issue(shop)

    assert bearer(key).get(URL).status_code == 403
    assert bearer(key).post(f"{URL}{token.pk}/rotate/").status_code == 403


def test_filters_by_user_and_status(supervisor_client, shop, make_user, issue, supervisor):
    from aftersales.tokens import services

    other = make_user(Role.INTEGRATOR, username="erp")
    issue(shop, name="A")
    revoked, _key = issue(shop, name="B")
    services.integrator_token_revoke(token=revoked, actor=supervisor)
    issue(other, name="C")

    by_user = supervisor_client.get(URL, {"user": shop.pk}).data["results"]
    active = supervisor_client.get(URL, {"status": "active"}).data["results"]
    gone = supervisor_client.get(URL, {"status": "revoked"}).data["results"]

    assert {r["name"] for r in by_user} == {"A", "B"}
    assert {r["name"] for r in active} == {"A", "C"}
    assert [r["name"] for r in gone] == ["B"]


def test_the_list_runs_a_constant_number_of_queries(
    supervisor_client, shop, make_user, issue, django_assert_max_num_queries
):
    issue(shop, name="one")
    supervisor_client.get(URL)  # warm: the supervisor's own token and groups
    with django_assert_max_num_queries(8) as few:
        supervisor_client.get(URL)
    for n in range(6):
        issue(make_user(Role.INTEGRATOR), name=f"n{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = supervisor_client.get(URL)
    assert response.data["count"] == 7


def test_the_schema_documents_the_endpoints_and_the_429(supervisor_client):
    schema = supervisor_client.get("/api/schema/", {"format": "json"}).json()

    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/integrator-tokens/"])
    assert "post" in paths["/api/v1/integrator-tokens/{id}/rotate/"]
    assert "post" in paths["/api/v1/integrator-tokens/{id}/revoke/"]
    created = paths["/api/v1/integrator-tokens/"]["post"]["responses"]["201"]
    assert "token" in str(created) or "IntegratorTokenIssued" in str(created)
    throttled = paths["/api/v1/tickets/"]["get"]["responses"]["429"]
    assert "Retry-After" in throttled["headers"]
    assert "integratorTokenAuth" in schema["components"]["securitySchemes"]
