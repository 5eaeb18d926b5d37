"""Personal data that can really be erased (README, "Personal data"): crypto-shredding in
the audit trail, redacted snapshots, masking for auditors, the integrators' phone lookup,
export, correction and consent withdrawal. Real PostgreSQL (the safety-net triggers)."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from aftersales.platform.models import Notification
from audits.chain import audit_seal
from audits.models import AuditEvent, PersonalDataKey
from audits.personal import ENCRYPTED, ERASED
from tests.tickets.factories import appointment, make_ticket
from tickets import services
from tickets.models import Customer, Ticket

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the safety net's triggers need PostgreSQL"
)

NAME, PHONE, EMAIL, ADDRESS = (
    "王小明",
    "13912345678",
    "wang@example.com",
    "上海市浦东新区世纪大道100号",
)
NEW_ADDRESS = "北京市朝阳区建国路88号"
PERSONAL = (NAME, PHONE, EMAIL, ADDRESS, NEW_ADDRESS)


def _customer(actor, technician=None):
    customer = services.customer_create(
        actor=actor,
        name=NAME,
        phone=PHONE,
        email=EMAIL,
        address=ADDRESS,
        area=technician.areas.first() if technician else None,
    )
    return services.customer_update(customer=customer, actor=actor, address=NEW_ADDRESS)


def _dispatched(customer, *, agent, supervisor, technician):
    ticket = make_ticket(actor=agent, customer=customer)
    ticket = services.ticket_triage(
        ticket=ticket, actor=agent, priority="p3", warranty_decision="in_warranty"
    )
    start, end = appointment()
    return services.ticket_dispatch(
        ticket=ticket,
        actor=supervisor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )


def _no_personal_value(text):
    leaked = [value for value in PERSONAL if value in text]
    assert not leaked, f"personal values still readable: {leaked}"


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return json.dumps(cursor.fetchall(), ensure_ascii=False, default=str)


# --- Encryption in the trail ----------------------------------------------------------------


def test_customer_events_store_only_ciphertext_of_personal_values(agent):
    customer = _customer(agent)

    raw = _raw(
        "SELECT changes::text FROM audits_auditevent WHERE object_id = %s", [str(customer.pk)]
    )

    _no_personal_value(raw)
    created = AuditEvent.objects.get(action="customer.created", object_id=str(customer.pk))
    assert set(created.changes["name"]) == {ENCRYPTED}
    assert created.changes["tier"] == "standard"  # not personal: plain
    assert PersonalDataKey.objects.filter(subject_id=str(customer.pk)).count() == 1


def test_supervisor_reads_the_values_in_full_and_the_read_is_recorded(supervisor_client, agent):
    customer = _customer(agent)

    response = supervisor_client.get(
        "/api/v1/audit-events/", {"object_type": "tickets.customer", "object_id": customer.pk}
    )

    changes = {e["action"]: e["changes"] for e in response.data["results"]}
    assert changes["customer.created"]["name"] == NAME
    assert changes["customer.created"]["phone"] == PHONE
    assert changes["customer.updated"]["address"] == [ADDRESS, NEW_ADDRESS]
    assert AuditEvent.objects.filter(
        action="customer.pii_read", object_id=str(customer.pk)
    ).exists()


def test_auditor_sees_personal_values_masked(auditor_client, agent):
    customer = _customer(agent)

    response = auditor_client.get(
        "/api/v1/audit-events/", {"object_type": "tickets.customer", "object_id": customer.pk}
    )

    _no_personal_value(json.dumps(response.data["results"], ensure_ascii=False))
    changes = {e["action"]: e["changes"] for e in response.data["results"]}
    assert changes["customer.created"]["phone"] == "139****5678"
    assert changes["customer.created"]["name"] == "王***"
    assert changes["customer.updated"]["address"] == ["上***", "北***"]
    assert changes["customer.created"]["tier"] == "standard"


def test_history_is_masked_for_auditors_and_full_for_supervisors(auditor, supervisor, agent):
    from audits.selectors import history_shown

    customer = _customer(agent)

    masked = json.dumps(history_shown(customer, user=auditor), ensure_ascii=False, default=str)
    full = json.dumps(history_shown(customer, user=supervisor), ensure_ascii=False, default=str)

    _no_personal_value(masked)
    assert NAME in full and NEW_ADDRESS in full


# --- Erasure ---------------------------------------------------------------------------------


def test_erased_customer_is_unreadable_everywhere_and_the_chain_still_verifies(
    agent, supervisor, technician, supervisor_client, admin_client, deliver_notifications
):
    customer = _customer(agent, technician)
    ticket = _dispatched(customer, agent=agent, supervisor=supervisor, technician=technician)
    deliver_notifications()
    assert Notification.objects.filter(customer=customer, kind="dispatch_notice").exists()
    audit_seal()  # the events about the customer are chained before the erasure
    assert NAME in _raw(
        "SELECT name FROM audits_customerhistory WHERE pgh_obj_id = %s", [customer.pk]
    )

    response = supervisor_client.post(
        f"/api/v1/customers/{customer.pk}/erase/", {"reason": "request"}, format="json"
    )
    assert response.status_code == 200, response.data

    # The API: customer, ticket's customer summary, the audit trail (decrypting reader).
    _no_personal_value(json.dumps(response.data, ensure_ascii=False))
    detail = supervisor_client.get(f"/api/v1/customers/{customer.pk}/")
    _no_personal_value(json.dumps(detail.data, ensure_ascii=False))
    summary = supervisor_client.get(f"/api/v1/tickets/{ticket.pk}/")
    _no_personal_value(json.dumps(summary.data, ensure_ascii=False))
    events = supervisor_client.get(
        "/api/v1/audit-events/", {"object_type": "tickets.customer", "object_id": customer.pk}
    )
    _no_personal_value(json.dumps(events.data["results"], ensure_ascii=False))
    created = next(e for e in events.data["results"] if e["action"] == "customer.created")
    assert created["changes"]["name"] == ERASED
    messages = supervisor_client.get(f"/api/v1/tickets/{ticket.pk}/notifications/")
    _no_personal_value(json.dumps(messages.data, ensure_ascii=False))
    export = supervisor_client.get(f"/api/v1/customers/{customer.pk}/export/")
    _no_personal_value(json.dumps(export.data, ensure_ascii=False))

    # The pages and the admin.
    browser = Client()
    browser.force_login(supervisor)
    page = browser.get(reverse("ticket-detail-page", args=[ticket.pk]))
    assert page.status_code == 200
    _no_personal_value(page.content.decode())
    for url in (
        reverse("admin:tickets_customer_change", args=[customer.pk]),
        reverse("admin:audits_auditevent_change", args=[created["id"]]),
    ):
        admin_page = admin_client.get(url)
        assert admin_page.status_code == 200, url
        _no_personal_value(admin_page.content.decode())

    # Raw database reads: the trail keeps ciphertext only, the key is gone, the snapshots
    # and the messages are redacted.
    _no_personal_value(
        _raw(
            "SELECT changes::text FROM audits_auditevent WHERE object_id = %s OR ticket_id = %s",
            [str(customer.pk), ticket.pk],
        )
    )
    assert not PersonalDataKey.objects.filter(subject_id=str(customer.pk)).exists()
    _no_personal_value(
        _raw("SELECT * FROM audits_customerhistory WHERE pgh_obj_id = %s", [customer.pk])
    )
    _no_personal_value(_raw("SELECT * FROM tickets_customer WHERE id = %s", [customer.pk]))
    _no_personal_value(
        _raw(f"SELECT * FROM {Notification._meta.db_table} WHERE customer_id = %s", [customer.pk])
    )

    # Every hash still verifies, before and after sealing the erasure's own events.
    out = io.StringIO()
    call_command("audit_verify", "--seal", stdout=out)
    assert "Audit chain OK" in out.getvalue()


def test_snapshots_stay_append_only_outside_the_erasure(agent):
    from django.db import DatabaseError, transaction

    customer = _customer(agent)

    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("UPDATE audits_customerhistory SET name = 'x' WHERE pgh_obj_id = %s", [customer.pk])


# --- The integrators' phone lookup -------------------------------------------------------------


def test_integrator_phone_lookup_answers_only_existence_and_id(integrator_client, agent):
    customer = _customer(agent)

    response = integrator_client.get("/api/v1/customers/", {"phone": "139 1234 5678"})

    assert response.status_code == 200
    assert response.data["results"] == [{"id": customer.pk, "exists": True}]
    assert (
        integrator_client.get("/api/v1/customers/", {"phone": "13900000000"}).data["results"] == []
    )
    # No detail read by id, with or without the phone.
    assert integrator_client.get(f"/api/v1/customers/{customer.pk}/").status_code == 404
    assert (
        integrator_client.get(f"/api/v1/customers/{customer.pk}/", {"phone": PHONE}).status_code
        == 404
    )


def test_integrator_files_a_ticket_with_the_looked_up_id_and_sees_no_details(
    integrator_client, agent
):
    customer = _customer(agent)
    [found] = integrator_client.get("/api/v1/customers/", {"phone": PHONE}).data["results"]

    created = integrator_client.post(
        "/api/v1/tickets/",
        {"customer": found["id"], "channel": "api", "category": "repair", "description": "Leak"},
        format="json",
    )

    assert created.status_code == 201, created.data
    assert Ticket.objects.get(pk=created.data["id"]).customer_id == customer.pk
    _no_personal_value(json.dumps(created.data, ensure_ascii=False))
    shown = integrator_client.get(f"/api/v1/tickets/{created.data['id']}/").data
    assert shown["customer_summary"]["name"] == ""
    _no_personal_value(json.dumps(shown, ensure_ascii=False))


def test_integrator_still_reads_the_customers_it_registered(integrator_client, integrator):
    customer = services.customer_create(actor=integrator, name="Shop buyer", phone="13811112222")

    response = integrator_client.get(f"/api/v1/customers/{customer.pk}/")

    assert response.data["name"] == "Shop buyer"
    assert response.data["phone"] == "138****2222"


# --- Export, correction, consent ---------------------------------------------------------------


def test_export_json_holds_everything_about_the_customer(
    supervisor_client, agent, supervisor, technician
):
    customer = _customer(agent, technician)
    _dispatched(customer, agent=agent, supervisor=supervisor, technician=technician)

    response = supervisor_client.get(f"/api/v1/customers/{customer.pk}/export/")

    assert response.status_code == 200
    data = response.json()
    assert data["customer"]["name"] == NAME
    assert data["customer"]["address"] == NEW_ADDRESS
    assert len(data["tickets"]) == 1 and data["tickets"][0]["events"]
    # The dispatch notice, by e-mail and by SMS.
    assert [m["kind"] for m in data["messages"]] == ["dispatch_notice", "dispatch_notice"]
    updated = next(e for e in data["audit_events"] if e["action"] == "customer.updated")
    assert updated["changes"]["address"] == [ADDRESS, NEW_ADDRESS]  # decrypted
    assert AuditEvent.objects.filter(action="customer.exported", object_id=str(customer.pk))


def test_export_pdf_is_a_pdf_with_the_chinese_name(supervisor_client, agent):
    customer = _customer(agent)

    response = supervisor_client.get(f"/api/v1/customers/{customer.pk}/export/?format=pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert NAME in text


def test_export_without_the_font_is_a_clear_error(settings, agent):
    from django.core.exceptions import ImproperlyConfigured

    from tickets.exports import customer_export_pdf

    settings.PII_EXPORT_FONT = "/nonexistent/font.ttc"
    with pytest.raises(ImproperlyConfigured, match="fonts-wqy-zenhei"):
        customer_export_pdf({"customer": {"name": NAME}})


@pytest.mark.parametrize("client_name", ["agent_client", "auditor_client", "integrator_client"])
def test_export_is_for_supervisors_only(request, client_name, agent):
    customer = _customer(agent)

    response = request.getfixturevalue(client_name).get(f"/api/v1/customers/{customer.pk}/export/")

    assert response.status_code in (403, 404)
    assert not AuditEvent.objects.filter(action="customer.exported").exists()


def test_correction_goes_through_the_encryption(agent_client, agent):
    customer = _customer(agent)

    response = agent_client.patch(
        f"/api/v1/customers/{customer.pk}/", {"email": "new@example.com"}, format="json"
    )

    assert response.status_code == 200
    raw = _raw(
        "SELECT changes::text FROM audits_auditevent WHERE action = 'customer.updated' "
        "AND object_id = %s",
        [str(customer.pk)],
    )
    assert "new@example.com" not in raw and EMAIL not in raw


def test_consent_withdrawal_stops_the_dispatch_notice(agent_client, agent, supervisor, technician):
    customer = _customer(agent, technician)

    response = agent_client.post(
        f"/api/v1/customers/{customer.pk}/consent/", {"service": True}, format="json"
    )

    assert response.status_code == 200, response.data
    assert response.data["consent_service"] is False
    customer.refresh_from_db()
    _dispatched(customer, agent=agent, supervisor=supervisor, technician=technician)
    assert not Notification.objects.filter(customer=customer, kind="dispatch_notice").exists()
    event = AuditEvent.objects.get(action="customer.consent_withdrawn")
    assert event.changes == {"consent_service": [True, False]}


def test_consent_withdrawal_cancels_the_pending_notice(agent_client, agent, supervisor, technician):
    customer = _customer(agent, technician)
    _dispatched(customer, agent=agent, supervisor=supervisor, technician=technician)
    notices = Notification.objects.filter(customer=customer, kind="dispatch_notice")
    assert {row.status for row in notices} == {"pending"}  # by e-mail and by SMS

    agent_client.post(f"/api/v1/customers/{customer.pk}/consent/", {"service": True}, format="json")

    assert not notices.filter(status="pending").exists()


def test_consent_withdrawal_needs_a_choice(agent_client, agent):
    customer = _customer(agent)

    response = agent_client.post(f"/api/v1/customers/{customer.pk}/consent/", {}, format="json")

    assert response.status_code == 400
    assert Customer.objects.get(pk=customer.pk).consent_service is True


# --- Master key ----------------------------------------------------------------------------------


def test_master_key_rotation_keeps_the_values_readable(settings, agent):
    from cryptography.fernet import Fernet

    from audits.personal import event_changes

    settings.PII_MASTER_KEYS = ["old-master-secret"]
    customer = _customer(agent)
    settings.PII_MASTER_KEYS = [Fernet.generate_key().decode(), "old-master-secret"]

    out = io.StringIO()
    call_command("pii_rewrap", stdout=out)
    assert "Re-wrapped 1 personal-data keys" in out.getvalue()
    settings.PII_MASTER_KEYS = settings.PII_MASTER_KEYS[:1]  # the old key retired

    event = AuditEvent.objects.get(action="customer.created", object_id=str(customer.pk))
    assert event_changes(event)["name"] == NAME
