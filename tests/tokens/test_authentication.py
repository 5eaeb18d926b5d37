"""``Authorization: Token aft_…`` against the API: what passes, what is refused, the
cheap last-use mark, and people's sign-in tokens unchanged."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from aftersales.roles import Role
from aftersales.tokens import services
from aftersales.tokens.models import IntegratorToken

pytestmark = pytest.mark.django_db
TICKETS = "/api/v1/tickets/"


def _token_updates(queries):
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith("UPDATE") and "tokens_integratortoken" in q["sql"]
    ]


def test_an_integrator_token_signs_in_as_its_integrator(shop, issue, bearer):
    token, key = issue(shop)

    response = bearer(key).get("/api/v1/customers/")

    assert response.status_code == 200
    assert response.wsgi_request.user == shop
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_use_costs_one_update_a_minute_not_one_per_request(shop, issue, bearer):
    _token, key = issue(shop)
    client = bearer(key)

    with CaptureQueriesContext(connection) as first:
        assert client.get(TICKETS).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(TICKETS).status_code == 200

    assert len(_token_updates(first.captured_queries)) == 1
    assert _token_updates(second.captured_queries) == []


def test_an_expired_token_is_refused(shop, issue, bearer):
    token, key = issue(shop, expires_at=timezone.now() + datetime.timedelta(hours=1))
    IntegratorToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = bearer(key).get(TICKETS)

    assert response.status_code == 401
    assert "expired" in response.data["detail"]
    assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_token_is_refused(shop, issue, bearer, supervisor):
    token, key = issue(shop)
    client = bearer(key)
    assert client.get(TICKETS).status_code == 200

    services.integrator_token_revoke(token=token, actor=supervisor)

    response = client.get(TICKETS)
    assert response.status_code == 401 and "revoked" in response.data["detail"]


def test_after_a_rotation_the_old_key_stops_and_the_new_one_works(shop, issue, supervisor, bearer):
    token, old_key = issue(shop)
    _token, new_key = services.integrator_token_rotate(token=token, actor=supervisor)

    assert bearer(old_key).get(TICKETS).status_code == 401
    assert bearer(new_key).get(TICKETS).status_code == 200


@pytest.mark.parametrize(
    "mangle",
    [
        lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"),  # right prefix, wrong secret
        lambda key: "aft_000000000000_" + key.split("_", 2)[2],  # unknown prefix
        lambda key: key.split("_", 2)[0] + "_" + key.split("_", 2)[1],  # no secret
        lambda key: "aft_short_secret",
    ],
)
def test_a_wrong_or_malformed_integrator_key_is_refused(shop, issue, bearer, mangle):
    _token, key = issue(shop)

    response = bearer(mangle(key)).get(TICKETS)

    assert response.status_code == 401


def test_a_token_stops_when_its_account_loses_the_role_or_gains_a_second_factor(
    shop, issue, bearer
):
    _token, key = issue(shop)
    shop.groups.add(Group.objects.get_or_create(name=Role.SUPERVISOR)[0])
    assert bearer(key).get(TICKETS).status_code == 401

    shop.groups.clear()
    shop.groups.add(Group.objects.get_or_create(name=Role.AGENT)[0])
    assert bearer(key).get(TICKETS).status_code == 401

    shop.groups.clear()
    shop.groups.add(Group.objects.get_or_create(name=Role.INTEGRATOR)[0])
    shop.is_active = False
    shop.save()
    assert bearer(key).get(TICKETS).status_code == 401


def test_a_persons_sign_in_token_works_as_before(agent, bearer):
    key = Token.objects.create(user=agent).key

    response = bearer(key).get(TICKETS)

    assert response.status_code == 200 and response.wsgi_request.user == agent
    assert bearer("0" * 40).get(TICKETS).status_code == 401
