"""Reading notifications: the user's inbox, the ticket's communication log (API and page),
and the customer's language in the customer API."""

import pytest

from aftersales.platform.models import Notification
from aftersales.roles import Role
from tests.tickets.factories import CustomerFactory, ProductFactory, appointment, make_ticket
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db
INBOX = "/api/v1/inbox/"


def _escalated(agent, make_user):
    """A ticket escalated to level 1: the owner and the supervisors are told."""
    import datetime

    lead = make_user(Role.SUPERVISOR, username="lead", email="lead@example.com")
    ticket = make_ticket(actor=agent)
    ticket_services.sla_sweep(now=ticket.created_at + datetime.timedelta(hours=19))
    ticket_services.sla_notify_pending()
    return ticket, lead


@pytest.fixture
def dispatched(agent, supervisor, technician, settings):
    settings.NOTIFICATION_CHANNELS = {"default": ["email"], "dispatch_notice": ["email", "sms"]}
    customer = CustomerFactory(
        area=technician.areas.first(), email="chen@example.com", phone="13812345678"
    )
    ticket = make_ticket(actor=agent, product=ProductFactory(customer=customer))
    ticket = ticket_services.ticket_triage(
        ticket=ticket, actor=agent, priority="p2", warranty_decision="in_warranty"
    )
    start, end = appointment()
    return ticket_services.ticket_dispatch(
        ticket=ticket,
        actor=supervisor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )


# --- Inbox -----------------------------------------------------------------------------------


def test_inbox_lists_only_the_users_own_messages_and_marks_them_read(
    agent, agent_client, make_user, api_client_for
):
    ticket, lead = _escalated(agent, make_user)
    lead_client = api_client_for(lead)
    mine = lead_client.get(INBOX).data["results"]
    assert [(m["kind"], m["ticket"], m["read"]) for m in mine] == [
        ("sla_escalation", ticket.pk, False)
    ]
    assert mine[0]["kind_label"] == "SLA escalation"
    assert mine[0]["subject"] == f"[{ticket.number}] SLA escalation level 1"
    others = agent_client.get(INBOX).data["results"]
    assert [m["id"] for m in others] != [mine[0]["id"]] and len(others) == 1  # the owner's

    # Another user's message is not there to read or mark.
    assert agent_client.post(f"{INBOX}{mine[0]['id']}/read/").status_code == 404
    read = lead_client.post(f"{INBOX}{mine[0]['id']}/read/")
    assert read.status_code == 200 and read.data["read"] is True
    assert lead_client.get(INBOX, {"unread": "true"}).data["results"] == []
    assert agent_client.post(f"{INBOX}read-all/").data == {"marked": 1}
    assert Notification.objects.filter(channel="inbox", read_at__isnull=True).count() == 0


def test_inbox_needs_a_signed_in_user(anon_client):
    assert anon_client.get(INBOX).status_code == 401


# --- The ticket's communication log ---------------------------------------------------------


def test_communication_log_lists_what_was_sent_to_whom_and_how(
    dispatched, agent_client, deliver_notifications
):
    deliver_notifications()
    response = agent_client.get(f"/api/v1/tickets/{dispatched.pk}/notifications/")
    assert response.status_code == 200
    rows = {row["channel"]: row for row in response.data}
    assert set(rows) == {"email", "sms"}
    email = rows["email"]
    assert (email["kind"], email["kind_label"], email["status"], email["status_label"]) == (
        "dispatch_notice",
        "Technician visit notice",
        "sent",
        "Sent",
    )
    assert email["address"] == "chen@example.com" and email["sent_at"]
    assert rows["sms"]["address"] == "13812345678"  # the desk sees full numbers
    assert rows["sms"]["channel_label"] == "SMS"


def test_communication_log_masks_phones_for_roles_that_see_them_masked(
    dispatched, auditor_client, technician_client, make_user, api_client_for
):
    rows = auditor_client.get(f"/api/v1/tickets/{dispatched.pk}/notifications/").data
    assert {r["address"] for r in rows if r["channel"] == "sms"} == {"138****5678"}
    # The assigned technician sees the number, as on the job itself.
    rows = technician_client.get(f"/api/v1/tickets/{dispatched.pk}/notifications/").data
    assert {r["address"] for r in rows if r["channel"] == "sms"} == {"13812345678"}
    # Another technician may not see the ticket at all.
    from tests.tickets.factories import TechnicianFactory

    stranger = api_client_for(TechnicianFactory(user__username="tech9").user)
    assert stranger.get(f"/api/v1/tickets/{dispatched.pk}/notifications/").status_code == 404


def test_communication_log_is_in_the_schema(agent_client):
    schema = agent_client.get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/tickets/{id}/notifications/" in schema["paths"]
    assert "/api/v1/inbox/" in schema["paths"]


def test_ticket_page_shows_the_messages_card_with_labels_in_both_languages(
    client, dispatched, agent
):
    client.force_login(agent)
    page = client.get(f"/tickets/{dispatched.pk}/").content.decode()
    assert 'id="h-messages"' in page
    assert "Technician visit notice" in page and "E-mail" in page and "Pending" in page
    assert "dispatch_notice" not in page  # labels, not codes
    chinese = client.get(f"/tickets/{dispatched.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = chinese.content.decode()
    assert "消息记录" in text and "上门服务通知" in text and "待发送" in text


def test_ticket_page_masks_the_sms_number_for_an_auditor(client, dispatched, auditor):
    client.force_login(auditor)
    page = client.get(f"/tickets/{dispatched.pk}/").content.decode()
    assert "138****5678" in page and "13812345678" not in page


# --- The customer's language ------------------------------------------------------------------


def test_customer_language_is_taken_and_shown_by_the_api(agent_client):
    created = agent_client.post(
        "/api/v1/customers/",
        {"name": "陈女士", "phone": "13900001111", "language": "zh-hans"},
        format="json",
    )
    assert created.status_code == 201, created.data
    assert created.data["language"] == "zh-hans"
    default = agent_client.post(
        "/api/v1/customers/", {"name": "Ann", "phone": "13900002222"}, format="json"
    )
    assert default.data["language"] == "en"
    wrong = agent_client.post(
        "/api/v1/customers/",
        {"name": "X", "phone": "13900003333", "language": "fr"},
        format="json",
    )
    assert wrong.status_code == 400 and "language" in wrong.data


def test_intake_page_records_the_customers_language(client, agent):
    from tickets.forms import CustomerForm

    form = CustomerForm(
        {"customer-name": "陈", "customer-phone": "13900004444", "customer-tier": "standard",
         "customer-language": "zh-hans"}
    )  # fmt: skip
    assert form.is_valid(), form.errors
    customer = ticket_services.customer_create(actor=agent, **form.cleaned_data)
    assert customer.language == "zh-hans"
