"""The settlement API per endpoint and role."""

import csv
import io

import pytest
from openpyxl import load_workbook

from aftersales.roles import Role
from audits.models import AuditEvent
from tickets.settlement import services
from tickets.settlement.choices import StatementStatus
from tickets.settlement.models import Statement

from .conftest import MONTH, local, make_outlet

pytestmark = pytest.mark.django_db
URL = "/api/v1/settlement-statements/"


@pytest.fixture
def statement(outlet, price_lists, signed_job, finance):
    signed_job(outlet, closed_at=local(2026, 10, 3, 15))
    signed_job(outlet, closed_at=local(2026, 10, 20, 15))
    return services.statement_build(outlet=outlet, month=MONTH, actor=finance)


@pytest.fixture
def submitted(statement, finance):
    return services.statement_submit(statement=statement, actor=finance)


@pytest.fixture
def dispatcher(make_user, outlet):
    user = make_user(Role.OUTLET_DISPATCHER)
    outlet.dispatchers.add(user)
    return user


def test_finance_lists_and_reads_a_statement(api_client_for, finance, statement):
    client = api_client_for(finance)
    body = client.get(URL).json()
    assert [row["id"] for row in body["results"]] == [statement.pk]
    detail = client.get(f"{URL}{statement.pk}/")
    assert detail.status_code == 200
    assert detail["ETag"] == f'"{statement.version}"'
    data = detail.json()
    assert data["month"] == "2026-10" and data["outlet"]["code"] == "PT-01"
    assert data["total"] == "220.00" and data["status_label"] == "Draft"


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.MANAGER, Role.AUDITOR])
def test_readers_see_every_statement(role, api_client_for, make_user, statement):
    assert api_client_for(make_user(role)).get(URL).json()["results"][0]["id"] == statement.pk


@pytest.mark.parametrize("role", [Role.AGENT, Role.TECHNICIAN, Role.INTEGRATOR])
def test_other_roles_are_refused(role, api_client_for, make_user, statement):
    client = api_client_for(make_user(role))
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{statement.pk}/").status_code == 403


def test_anonymous_gets_401(anon_client, statement):
    assert anon_client.get(URL).status_code == 401


def test_a_dispatcher_sees_only_their_outlets_submitted_statements(
    api_client_for, dispatcher, statement, finance
):
    other = services.statement_build(outlet=make_outlet("PT-09"), month=MONTH, actor=finance)
    services.statement_submit(statement=other, actor=finance)
    client = api_client_for(dispatcher)
    assert client.get(URL).json()["results"] == []  # their own is still a draft
    assert client.get(f"{URL}{statement.pk}/").status_code == 404
    services.statement_submit(statement=statement, actor=finance)
    assert [row["id"] for row in client.get(URL).json()["results"]] == [statement.pk]
    assert client.get(f"{URL}{other.pk}/").status_code == 404
    assert client.get(f"{URL}{statement.pk}/lines/").status_code == 200
    assert client.get(f"{URL}{statement.pk}/export/csv/").status_code == 200
    # Read-only: every write is refused and writes nothing.
    assert client.post(f"{URL}{statement.pk}/approve/", {}).status_code == 403
    assert client.post(f"{URL}build/", {"outlet": "PT-01", "month": "2026-10"}).status_code == 403
    statement.refresh_from_db()
    assert statement.status == StatementStatus.SUBMITTED


def test_lines(api_client_for, finance, statement):
    body = api_client_for(finance).get(f"{URL}{statement.pk}/lines/?page_size=1").json()
    assert body["count"] == 2 and body["next"]
    line = body["results"][0]
    assert line["labour_fee"] == "100.00" and line["service_type"] == "repair"
    assert line["ticket_number"].startswith("AS-")


def test_build_and_rebuild(api_client_for, finance, outlet, price_lists, signed_job):
    client = api_client_for(finance)
    response = client.post(f"{URL}build/", {"outlet": "PT-01", "month": "2026-10"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["job_count"] == 0
    signed_job(outlet, closed_at=local(2026, 10, 3, 15))
    again = client.post(f"{URL}build/", {"outlet": "PT-01", "month": "2026-10-17"}, format="json")
    assert again.json()["id"] == response.json()["id"] and again.json()["job_count"] == 1
    assert Statement.objects.get().total == 100


@pytest.mark.parametrize(
    "body",
    [{"outlet": "NOPE", "month": "2026-10"}, {"outlet": "PT-01", "month": "October"}, {}],
)
def test_build_bad_input_is_400(api_client_for, finance, outlet, body):
    response = api_client_for(finance).post(f"{URL}build/", body, format="json")
    assert response.status_code == 400
    assert not Statement.objects.exists()


def test_build_of_a_submitted_statement_is_409(api_client_for, finance, submitted):
    response = api_client_for(finance).post(
        f"{URL}build/", {"outlet": "PT-01", "month": "2026-10"}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"


def test_submit_approve_with_if_match(api_client_for, finance, finance2, statement):
    response = api_client_for(finance).post(f"{URL}{statement.pk}/submit/")
    assert response.status_code == 200, response.json()
    assert response.json()["number"] == "ST-2026-000001"
    version = response.json()["version"]
    reviewer = api_client_for(finance2)
    stale = reviewer.post(f"{URL}{statement.pk}/approve/", {}, HTTP_IF_MATCH=f'"{version - 1}"')
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    ok = reviewer.post(f"{URL}{statement.pk}/approve/", {}, HTTP_IF_MATCH=f'"{version}"')
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    assert ok["ETag"] == f'"{version + 1}"'
    again = reviewer.post(f"{URL}{statement.pk}/approve/", {})
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert AuditEvent.objects.filter(action="statement.approved").count() == 1


def test_the_submitter_cannot_approve(api_client_for, finance, submitted):
    response = api_client_for(finance).post(f"{URL}{submitted.pk}/approve/", {})
    assert response.status_code == 409 and response.json()["code"] == "same_reviewer"


def test_return_needs_a_comment(api_client_for, supervisor, submitted):
    client = api_client_for(supervisor)
    assert client.post(f"{URL}{submitted.pk}/return/", {}).status_code == 400
    response = client.post(f"{URL}{submitted.pk}/return/", {"comment": "Check line 2"})
    assert response.status_code == 200 and response.json()["status"] == "returned"
    assert response.json()["review_comment"] == "Check line 2"


def test_manager_and_auditor_may_not_review(api_client_for, make_user, submitted):
    for role in (Role.MANAGER, Role.AUDITOR):
        client = api_client_for(make_user(role))
        assert client.post(f"{URL}{submitted.pk}/approve/", {}).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == StatementStatus.SUBMITTED


def test_filters(api_client_for, finance, statement, submitted):
    other = services.statement_build(
        outlet=make_outlet("PT-05"), month=MONTH.replace(month=9), actor=finance
    )
    client = api_client_for(finance)

    def ids(query):
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("") == {statement.pk, other.pk}
    assert ids("outlet=PT-05") == {other.pk}
    assert ids("month=2026-10") == {statement.pk}
    assert ids("status=draft") == {other.pk}
    assert ids("status=submitted&outlet=PT-01&month=2026-10") == {statement.pk}
    assert client.get(f"{URL}?month=soon").status_code == 400
    assert client.get(f"{URL}?status=paid").status_code == 400


def test_list_queries_are_bounded(api_client_for, finance, django_assert_max_num_queries):
    for index in range(6):
        services.statement_build(outlet=make_outlet(f"PX-{index}"), month=MONTH, actor=finance)
    client = api_client_for(finance)
    with django_assert_max_num_queries(8):
        assert len(client.get(URL).json()["results"]) == 6


def test_exports(api_client_for, finance, statement):
    client = api_client_for(finance)
    response = client.get(f"{URL}{statement.pk}/export/csv/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Ticket" and len(rows) == 4
    assert rows[-1][0] == "Total" and rows[-1][-1] == "220.00"

    response = client.get(f"{URL}{statement.pk}/export/xlsx/")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = list(sheet.values)
    assert values[0][0] == "Ticket" and values[-1][-1] == 220

    response = client.get(f"{URL}{statement.pk}/export/pdf/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")

    chinese = client.get(f"{URL}{statement.pk}/export/csv/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.content.decode("utf-8-sig").splitlines()[0].startswith("工单")
    assert client.get(f"{URL}{statement.pk}/export/doc/").status_code == 404


def test_schema_documents_the_endpoints(api_client_for, supervisor):
    schema = api_client_for(supervisor).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/settlement-statements/",
        "/api/v1/settlement-statements/build/",
        "/api/v1/settlement-statements/{id}/approve/",
        "/api/v1/settlement-statements/{id}/return/",
        "/api/v1/settlement-statements/{id}/lines/",
        "/api/v1/settlement-statements/{id}/export/{fmt}/",
    ):
        assert path in paths, path
