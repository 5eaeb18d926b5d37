"""The OpenAPI schema is served, valid, and names every path the contract promises."""

import pytest
import yaml
from django.core.management import call_command

from tickets.choices import TRANSITIONS, Action

pytestmark = pytest.mark.django_db

# api-contract.md, the foundation's part: reference data, customers, products, tickets.
CONTRACT_PATHS = {
    "/api/v1/auth/token/": {"post"},
    "/api/v1/areas/": {"get", "post"},
    "/api/v1/product-categories/": {"get", "post"},
    "/api/v1/product-models/": {"get", "post"},
    "/api/v1/customers/": {"get", "post"},
    "/api/v1/customers/{id}/": {"get"},
    "/api/v1/customers/{id}/erase/": {"post"},
    "/api/v1/products/": {"get", "post"},
    "/api/v1/technicians/": {"get", "post"},
    "/api/v1/audit-events/": {"get"},
    "/api/v1/tickets/": {"get", "post"},
    "/api/v1/tickets/{id}/": {"get"},
    "/api/v1/tickets/{id}/events/": {"get"},
    "/api/v1/tickets/{id}/dispatch-candidates/": {"get"},
}
# Every action of the table is a POST endpoint, except ``update`` (PATCH on the ticket).
ACTION_PATHS = {
    f"/api/v1/tickets/{{id}}/{action}/": {"post"}
    for action in TRANSITIONS
    if action != Action.UPDATE
}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        assert APIClient().get("/api/schema/").status_code == 401
        user, _ = get_user_model().objects.get_or_create(username="schema-reader")
        client = APIClient()
        client.force_authenticate(user)
        response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
        user.delete()
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Aftersales API"


@pytest.mark.parametrize(("path", "methods"), sorted({**CONTRACT_PATHS, **ACTION_PATHS}.items()))
def test_schema_has_every_contract_path(schema, path, methods):
    assert path in schema["paths"], f"{path} missing from the schema"
    assert methods <= set(schema["paths"][path])


def test_schema_action_paths_include_dispatch():
    assert "/api/v1/tickets/{id}/dispatch/" in ACTION_PATHS
    assert len(ACTION_PATHS) == len(TRANSITIONS) - 1


def test_ticket_patch_takes_if_match(schema):
    patch = schema["paths"]["/api/v1/tickets/{id}/"]["patch"]

    assert "If-Match" in {p["name"] for p in patch["parameters"] if p["in"] == "header"}


def test_ticket_create_takes_idempotency_key(schema):
    post = schema["paths"]["/api/v1/tickets/"]["post"]

    assert "Idempotency-Key" in {p["name"] for p in post["parameters"] if p["in"] == "header"}


def test_ticket_list_documents_every_contract_filter(schema):
    documented = {p["name"] for p in schema["paths"]["/api/v1/tickets/"]["get"]["parameters"]}

    assert documented >= {
        "status",
        "priority",
        "category",
        "channel",
        "owner",
        "technician",
        "customer",
        "area",
        "sla_state",
        "created_after",
        "created_before",
        "search",
        "cursor",
        "page_size",
    }


def test_spectacular_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert "/api/v1/tickets/{id}/dispatch/" in yaml.safe_load(target.read_text())["paths"]
