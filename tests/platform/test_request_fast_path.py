"""The fixed cost of an API request (issue 19 §1): JSON on orjson, byte for byte what
DRF's renderer gives, and the token, its user and the roles read in one query — with no
cache that could let a revoked token or a removed role through."""

import datetime
import decimal
import json
import uuid
import zoneinfo

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.renderers import JSONRenderer as DrfJSONRenderer

from aftersales.api.renderers import JSONRenderer
from aftersales.roles import Role

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    # Python's repr writes 1e-05 and 1e+16 where orjson writes 1e-5 and 1e16 (the same
    # number): outside that range the bytes differ, see the next test.
    st.floats(min_value=-1e15, max_value=1e15).filter(lambda f: f == 0 or abs(f) >= 1e-4),
    st.text(),
    st.sampled_from(["\u2028", "a\u2029b", "刘洋", "</script>", "\x00", "é"]),
    st.datetimes(timezones=st.sampled_from([datetime.UTC, SHANGHAI])),
    st.datetimes(),
    st.dates(),
    st.times(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.uuids(),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.text(max_size=8), children, max_size=5),
        st.dictionaries(st.integers(-5, 5), children, max_size=3),
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_orjson_renderer_gives_drfs_bytes(document):
    assert JSONRenderer().render(document) == DrfJSONRenderer().render(document)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=5))
def test_tiny_and_huge_floats_are_the_same_numbers(values):
    assert json.loads(JSONRenderer().render(values)) == json.loads(DrfJSONRenderer().render(values))


def test_what_orjson_cannot_encode_goes_through_drf():
    for document in (
        {"big": 2**70, "lazy": gettext_lazy("Supervisor")},
        [decimal.Decimal("12.50"), uuid.UUID(int=7), datetime.timedelta(hours=2)],
        {"when": datetime.datetime(2026, 12, 1, 8, 0, tzinfo=datetime.UTC)},
    ):
        assert JSONRenderer().render(document) == DrfJSONRenderer().render(document)
    assert JSONRenderer().render(None) == b""
    indented = JSONRenderer().render({"a": [1]}, "application/json; indent=2")
    assert indented == DrfJSONRenderer().render({"a": [1]}, "application/json; indent=2")
    assert b"\n" in indented


@pytest.mark.django_db
def test_api_answers_are_rendered_by_orjson_renderer(agent_client):
    response = agent_client.get("/api/v1/areas/")
    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, JSONRenderer)
    assert response["Content-Type"] == "application/json"


def _queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return [q["sql"] for q in queries]


@pytest.mark.django_db
def test_sign_in_token_user_and_roles_are_one_query(agent_client):
    sql = _queries(agent_client, "/api/v1/areas/")
    token_reads = [q for q in sql if "authtoken_token" in q]
    assert len(token_reads) == 1
    assert "auth_group" in token_reads[0]  # the roles ride along
    assert not [q for q in sql if "auth_group" in q and "authtoken_token" not in q]


@pytest.mark.django_db
def test_integrator_token_user_and_roles_are_one_query(make_user, supervisor, anon_client):
    from aftersales.tokens import services

    shop = make_user(Role.INTEGRATOR, username="shop")
    _, key = services.integrator_token_create(user=shop, name="Shop", actor=supervisor)
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    sql = _queries(anon_client, "/api/v1/areas/")
    reads = [q for q in sql if "tokens_integratortoken" in q and q.lstrip().startswith("SELECT")]
    assert len(reads) == 1 and "auth_group" in reads[0]
    assert not [q for q in sql if "auth_group" in q and "tokens_integratortoken" not in q]


@pytest.mark.django_db
def test_a_change_takes_effect_on_the_next_call(make_user, api_client_for):
    """Nothing is cached between requests: a removed role, a deactivated account and a
    deleted token are refused at once."""
    user = make_user(Role.AUDITOR, username="auditor-x")
    client = api_client_for(user)
    assert client.get("/api/v1/audit-events/").status_code == 200
    user.groups.remove(Group.objects.get(name=Role.AUDITOR))
    user.groups.add(Group.objects.get_or_create(name=Role.TECHNICIAN)[0])
    assert client.get("/api/v1/audit-events/").status_code == 403
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get("/api/v1/areas/")
    assert response.status_code == 401
    assert response.json()["detail"] == "User inactive or deleted."
    user.is_active = True
    user.save(update_fields=["is_active"])
    Token.objects.filter(user=user).delete()
    response = client.get("/api/v1/areas/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."
