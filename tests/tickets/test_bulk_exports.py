"""Bulk exports (tickets.bulk.exports) through the API and the pages: filters, masking per
role, the formats, the audit event, least privilege, constant queries."""

import csv
import io

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audits.models import AuditEvent
from parts import services as parts_services
from tests.parts.factories import LocationFactory, PartFactory
from tests.tickets.factories import CustomerFactory, ProductFactory, make_ticket
from tickets import services

pytestmark = pytest.mark.django_db


def _csv(response):
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)  # never built in memory
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")  # Excel reads the Chinese as UTF-8
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


def _xlsx(response):
    assert response.status_code == 200, response.content
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _export_events():
    return AuditEvent.objects.filter(action="bulk.exported")


def test_ticket_export_applies_the_list_filters_and_shows_phones_to_supervisors(
    supervisor_client, agent, supervisor
):
    customer = CustomerFactory(phone="13812345678", name="刘洋")
    unit = ProductFactory(customer=customer, serial_number="SN-42")
    kept = make_ticket(
        actor=agent, customer=customer, product=unit, priority="p1", description="不制冷"
    )
    make_ticket(actor=agent, customer=customer, priority="p3")
    services.ticket_cancel(
        ticket=make_ticket(actor=agent, customer=customer, priority="p1"),
        actor=agent,
        reason="Duplicate",
    )

    rows = _csv(supervisor_client.get("/api/v1/exports/tickets/?priority=p1&status=new"))

    assert [row["number"] for row in rows] == [kept.number]
    assert rows[0]["customer_phone"] == "13812345678"
    assert rows[0]["customer_name"] == "刘洋"
    assert rows[0]["description"] == "不制冷"
    assert rows[0]["status"] == "new"
    assert (rows[0]["product_model"], rows[0]["serial_number"]) == (unit.model.code, "SN-42")
    assert (rows[0]["owner"], rows[0]["sla_state"]) == (agent.username, kept.sla_state())
    assert rows[0]["response_due_at"] == timezone.localtime(kept.response_due_at).isoformat()
    event = _export_events().get()
    assert event.actor == supervisor
    assert event.changes["kind"] == "tickets"
    assert event.changes["filters"] == {"priority": ["p1"], "status": ["new"]}
    assert event.changes["personal_data_shown"] == ["phone"]


def test_auditors_export_customers_with_phone_email_and_address_masked(auditor_client):
    CustomerFactory(phone="13812345678", email="lin@example.com", address="1 Century Avenue")

    rows = _csv(auditor_client.get("/api/v1/exports/customers/?format=csv"))

    assert len(rows) == 1
    assert rows[0]["phone"] == "138****5678"
    assert "lin@" not in rows[0]["email"] and rows[0]["email"]
    assert rows[0]["address"] != "1 Century Avenue"
    assert _export_events().get().changes["personal_data_shown"] == []


def test_supervisors_export_customers_unmasked_as_xlsx(supervisor_client):
    CustomerFactory(phone="13812345678", email="lin@example.com", tier="vip")

    rows = _xlsx(supervisor_client.get("/api/v1/exports/customers/?format=xlsx&tier=vip"))

    assert [(r["phone"], r["email"], r["tier"]) for r in rows] == [
        ("13812345678", "lin@example.com", "vip")
    ]
    assert _export_events().get().changes["personal_data_shown"] == ["phone", "email", "address"]


def test_product_export_filters_by_customer(supervisor_client):
    mine = ProductFactory(serial_number="SN-1")
    ProductFactory(serial_number="SN-2")

    rows = _csv(supervisor_client.get(f"/api/v1/exports/products/?customer={mine.customer_id}"))

    assert [(r["serial_number"], r["model"]) for r in rows] == [("SN-1", mine.model.code)]


def test_parts_and_stock_levels_export(supervisor_client, supervisor):
    part = PartFactory(sku="AC-00001", reorder_point=5)
    PartFactory(sku="AC-00002", approved=False)
    warehouse = LocationFactory(code="WH-SH")
    parts_services.stock_receive(part=part, location=warehouse, quantity=3, actor=supervisor)

    parts = _xlsx(supervisor_client.get("/api/v1/exports/parts/?format=xlsx&approved=true"))
    levels = _csv(supervisor_client.get("/api/v1/exports/stock-levels/?below_reorder=true"))

    assert [p["sku"] for p in parts] == ["AC-00001"]
    assert parts[0]["unit_price"] == 65.0
    assert [(r["part_sku"], r["location_code"], r["on_hand"], r["available"]) for r in levels] == [
        ("AC-00001", "WH-SH", "3", "3")
    ]


@pytest.mark.parametrize("persona", ["agent_client", "technician_client", "integrator_client"])
@pytest.mark.parametrize("kind", ["tickets", "customers", "parts"])
def test_other_roles_may_not_export(request, persona, kind):
    client = request.getfixturevalue(persona)

    response = client.get(f"/api/v1/exports/{kind}/")

    assert response.status_code == 403
    assert not _export_events().exists()


def test_an_invalid_filter_is_a_400_not_a_file(supervisor_client):
    response = supervisor_client.get("/api/v1/exports/tickets/?status=bogus&format=xlsx")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "status" in response.json()
    assert not _export_events().exists()


def test_an_unknown_format_is_a_404(supervisor_client):
    assert supervisor_client.get("/api/v1/exports/tickets/?format=pdf").status_code == 404


def _queries_for_export(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        b"".join(response.streaming_content)
    return len(captured)


def test_the_export_runs_the_same_queries_for_3_or_30_tickets(supervisor_client, agent):
    for _n in range(3):
        make_ticket(actor=agent, product=ProductFactory())
    few = _queries_for_export(supervisor_client, "/api/v1/exports/tickets/")
    for _n in range(27):
        make_ticket(actor=agent, product=ProductFactory())
    many = _queries_for_export(supervisor_client, "/api/v1/exports/tickets/")
    assert many == few


def test_parts_export_runs_the_same_queries_for_2_or_20_parts(supervisor_client):
    PartFactory.create_batch(2)
    few = _queries_for_export(supervisor_client, "/api/v1/exports/parts/")
    PartFactory.create_batch(18)
    many = _queries_for_export(supervisor_client, "/api/v1/exports/parts/")
    assert many == few


# --- The pages ----------------------------------------------------------------------------


def test_the_queue_links_export_the_tickets_the_list_shows(client, supervisor, agent):
    kept = make_ticket(actor=agent, priority="p1")
    make_ticket(actor=agent, priority="p2")
    client.force_login(supervisor)

    page = client.get(reverse("ticket-list-page") + "?view=to_triage&priority=p1").content.decode()
    url = reverse("bulk-export-file", args=["tickets", "csv"])
    assert f'href="{url}?view=to_triage&amp;priority=p1"' in page
    rows = _csv(client.get(url + "?view=to_triage&priority=p1"))

    assert [row["number"] for row in rows] == [kept.number]
    assert _export_events().get().changes["filters"] == {"priority": ["p1"], "view": ["to_triage"]}


def test_the_queue_shows_no_export_links_to_agents(client, agent):
    client.force_login(agent)
    page = client.get(reverse("ticket-list-page")).content.decode()
    assert reverse("bulk-export-file", args=["tickets", "csv"]) not in page
    response = client.get(reverse("bulk-export-file", args=["tickets", "csv"]))
    assert response.status_code == 403


def test_a_page_export_with_a_bad_filter_says_so(client, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("bulk-export-file", args=["stock-levels", "csv"]) + "?part=abc")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
