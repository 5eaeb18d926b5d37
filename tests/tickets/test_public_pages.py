"""The customer's own pages (/service/...): look-up, status, links, survey, reschedule."""

import datetime

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditEvent
from tests.tickets.factories import CustomerFactory
from tickets.models import Ticket, TicketEvent
from tickets.public import CONFIRM, SURVEY, public_link_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(technician):
    return CustomerFactory(
        name="Chen Jing",
        phone="13912345678",
        email="chen@example.com",
        language="zh-hans",
        area=technician.areas.first(),
    )


def _lookup(client, number, last4, **extra):
    return client.post(
        reverse("public-lookup-page"), {"number": number, "phone_last4": last4}, **extra
    )


def _confirm_url(ticket, token=None):
    token = token or public_link_token(Ticket.objects.get(pk=ticket.pk), CONFIRM)
    return reverse("public-confirm-page", args=[ticket.number, token])


def _survey_url(ticket, token=None):
    token = token or public_link_token(Ticket.objects.get(pk=ticket.pk), SURVEY)
    return reverse("public-survey-page", args=[ticket.number, token])


# --- Look-up and status page -----------------------------------------------------------


def test_the_right_phone_opens_the_status_page_in_the_customers_language(
    client, ticket_in, customer, technician
):
    ticket = ticket_in("dispatched", customer=customer)
    response = _lookup(client, ticket.number.lower(), "5678")
    assert response.status_code == 302
    assert response["Location"] == reverse("public-status-page", args=[ticket.number])
    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "上门服务已预约" in text or "已预约" in text
    assert technician.full_name in text and technician.employee_no in text
    assert technician.phone not in text  # the technician's phone is never shown
    assert "no-store" in page["Cache-Control"]


def test_a_wrong_phone_gets_exactly_the_answer_of_an_unknown_ticket(client, ticket_in, customer):
    ticket = ticket_in("dispatched", customer=customer)
    wrong = _lookup(client, ticket.number, "0000")
    unknown = _lookup(client, "AS-1999-999999", "0000")
    assert wrong.status_code == unknown.status_code == 400
    strip = lambda r: r.content.decode().replace(ticket.number, "").replace("AS-1999-999999", "")  # noqa: E731
    csrf = lambda text: "\n".join(l for l in text.splitlines() if "csrf" not in l)  # noqa: E731, E741
    assert csrf(strip(wrong)) == csrf(strip(unknown))
    assert client.get(reverse("public-status-page", args=[ticket.number])).status_code == 302


def test_the_status_page_needs_the_look_up_first(client, ticket_in, customer):
    ticket = ticket_in("dispatched", customer=customer)
    response = client.get(reverse("public-status-page", args=[ticket.number]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("public-lookup-page"))


def test_the_status_page_shows_nothing_of_another_customer_nor_internal_notes(
    client, ticket_in, customer, agent
):
    from tickets import services

    ticket = ticket_in("triaged", customer=customer, description="Secret symptom words")
    services.ticket_contact(ticket=ticket, actor=agent, note="Internal remark XYZ", via="phone")
    other = ticket_in(
        "dispatched", customer=CustomerFactory(name="Other Person", phone="13800001111")
    )
    _lookup(client, ticket.number, "5678")
    text = client.get(reverse("public-status-page", args=[ticket.number])).content.decode()
    for secret in (
        "Secret symptom",
        "Internal remark",
        "Other Person",
        other.number,
        "13912345678",
        "Chen Jing",
    ):
        assert secret not in text
    # A granted session still cannot open another ticket's page.
    response = client.get(reverse("public-status-page", args=[other.number]))
    assert response.status_code == 302


def test_look_ups_are_limited_per_ticket_number(client, ticket_in, customer, settings):
    settings.PUBLIC_LOOKUP_NUMBER_LIMIT = 3
    ticket = ticket_in("triaged", customer=customer)
    for _ in range(3):
        assert _lookup(client, ticket.number, "1111").status_code == 400
    limited = _lookup(client, ticket.number, "5678")  # even the right phone now waits
    assert limited.status_code == 429
    assert "Too many tries" in limited.content.decode()
    # Another number from the same address is still answered.
    assert _lookup(client, "AS-1999-000001", "1111").status_code == 400


def test_look_ups_are_limited_per_address(client, ticket_in, customer, settings):
    settings.PUBLIC_LOOKUP_ADDRESS_LIMIT = 4
    ticket = ticket_in("triaged", customer=customer)
    for n in range(4):
        _lookup(client, f"AS-1999-00000{n}", "1111")
    assert _lookup(client, ticket.number, "5678").status_code == 429
    other = _lookup(client, ticket.number, "5678", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_the_status_page_reads_a_constant_number_of_queries(client, ticket_in, customer, agent):
    from tickets import services

    ticket = ticket_in("dispatched", customer=customer)
    _lookup(client, ticket.number, "5678")
    url = reverse("public-status-page", args=[ticket.number])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(30):
        services.ticket_contact(
            ticket=Ticket.objects.get(pk=ticket.pk), actor=agent, note=f"n{n}", via="phone"
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    # 7: the depot's workshop stages are one more read (tickets.depot, issue 18).
    assert len(many) == len(few) <= 7


def test_an_erased_customer_cannot_be_looked_up(client, ticket_in, customer, supervisor):
    ticket = ticket_in("triaged", customer=customer)
    Ticket.objects.filter(pk=ticket.pk)  # keep the row; mark the customer erased
    customer.erased_at = timezone.now()
    customer.save(update_fields=["erased_at"])
    assert _lookup(client, ticket.number, "5678").status_code == 400


# --- Reschedule request ----------------------------------------------------------------


def test_the_customer_asks_to_move_a_booked_visit_and_the_desk_sees_it(
    client, ticket_in, customer, agent
):
    from django.test import Client

    desk = Client()
    desk.force_login(agent)
    ticket = ticket_in("dispatched", customer=customer)
    before = Ticket.objects.get(pk=ticket.pk)
    _lookup(client, ticket.number, "5678")
    day = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    url = reverse("public-reschedule-page", args=[ticket.number])
    bad = client.post(url, {"preferred_date": "2001-01-01", "period": "morning"})
    assert (
        bad.status_code == 400 and "from today on" in bad.content.decode("utf-8")
    ) or "今天" in bad.content.decode()
    response = client.post(
        url, {"preferred_date": day, "period": "afternoon", "note": "Not home Friday"}
    )
    assert response.status_code == 302
    after = Ticket.objects.get(pk=ticket.pk)
    assert (after.appointment_start, after.version) == (before.appointment_start, before.version)
    event = TicketEvent.objects.get(ticket=ticket, action="reschedule_request")
    assert event.payload["preferred_date"] == day and event.payload["period"] == "afternoon"
    assert (
        AuditEvent.objects.filter(ticket_id=ticket.pk, action="ticket.reschedule_requested").count()
        == 1
    )
    again = client.post(url, {"preferred_date": day, "period": "morning"})
    assert again.status_code == 400
    assert TicketEvent.objects.filter(ticket=ticket, action="reschedule_request").count() == 1
    response = desk.get(reverse("ticket-detail-page", args=[ticket.pk]))
    assert response.status_code == 200, response
    page = response.content.decode()
    assert "Customer asked to move the visit" in page and "Not home Friday" in page
    assert "reschedule_request" not in page


# --- The confirmation link -------------------------------------------------------------


def test_the_link_confirms_and_rates_the_work(client, ticket_in, customer):
    ticket = ticket_in("awaiting_confirmation", customer=customer)
    url = _confirm_url(ticket)
    page = client.get(url)
    assert page.status_code == 200 and "确认" in page.content.decode()
    assert "Relay replaced" in page.content.decode()  # what the customer is asked to confirm
    assert "Compressor relay" not in page.content.decode()  # the diagnosis stays with us
    missing = client.post(url, {"decision": "accept"})
    assert missing.status_code == 400
    response = client.post(url, {"decision": "accept", "satisfaction": "4", "comment": "Quick"})
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert (ticket.status, ticket.satisfaction, ticket.confirmation_comment) == (
        "closed",
        4,
        "Quick",
    )
    event = TicketEvent.objects.get(ticket=ticket, action="confirm")
    assert event.actor is None and event.payload["via"] == "online"
    audit = AuditEvent.objects.get(ticket_id=ticket.pk, action="ticket.confirm")
    assert audit.actor is None
    used = client.get(url)
    assert used.status_code == 410 and "已使用" in used.content.decode()


def test_the_link_rejects_the_work_only_with_a_reason(client, ticket_in, customer):
    ticket = ticket_in("awaiting_confirmation", customer=customer)
    url = _confirm_url(ticket)
    refused = client.post(url, {"decision": "reject"})
    assert refused.status_code == 400
    assert Ticket.objects.get(pk=ticket.pk).status == "awaiting_confirmation"
    response = client.post(
        url, {"decision": "reject", "comment": "Still noisy", "satisfaction": "2"}
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert (ticket.status, ticket.confirmation_comment, ticket.technician_id) == (
        "triaged",
        "Still noisy",
        None,
    )
    assert client.post(url, {"decision": "accept", "satisfaction": "5"}).status_code == 410


def test_an_expired_link_is_refused(client, ticket_in, customer, settings):
    ticket = ticket_in("awaiting_confirmation", customer=customer)
    url = _confirm_url(ticket)
    settings.PUBLIC_LINK_MAX_AGE_DAYS = 0
    import time

    time.sleep(1.1)
    response = client.get(url)
    assert (
        response.status_code == 410 and "过期" in response.content.decode()
    ) or "expired" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == "awaiting_confirmation"


def test_another_tickets_link_a_tampered_link_and_a_survey_link_are_refused(
    client, ticket_in, customer
):
    ticket = ticket_in("awaiting_confirmation", customer=customer)
    other = ticket_in("awaiting_confirmation", customer=CustomerFactory(name="Other Person"))
    other_token = public_link_token(Ticket.objects.get(pk=other.pk), CONFIRM)
    survey_token = public_link_token(Ticket.objects.get(pk=ticket.pk), SURVEY)
    token = public_link_token(Ticket.objects.get(pk=ticket.pk), CONFIRM)
    for bad in (other_token, survey_token, token[:-2] + "xx", "garbage"):
        response = client.get(reverse("public-confirm-page", args=[ticket.number, bad]))
        assert response.status_code == 403
        assert "Other Person" not in response.content.decode()
        posted = client.post(
            reverse("public-confirm-page", args=[ticket.number, bad]),
            {"decision": "accept", "satisfaction": "5"},
        )
        assert posted.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).status == "awaiting_confirmation"
    assert Ticket.objects.get(pk=other.pk).status == "awaiting_confirmation"


def test_a_link_of_an_earlier_completion_reads_as_used(
    client, ticket_in, customer, supervisor, technician
):
    from tests.tickets.factories import appointment
    from tickets import services

    ticket = ticket_in("awaiting_confirmation", customer=customer)
    url = _confirm_url(ticket)
    client.post(url, {"decision": "reject", "comment": "Leaks"})
    start, end = appointment(days=2)
    redone = services.ticket_dispatch(
        ticket=Ticket.objects.get(pk=ticket.pk),
        actor=supervisor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )
    redone = services.ticket_check_in(ticket=redone, actor=technician.user)
    redone = services.ticket_complete(
        ticket=redone,
        actor=technician.user,
        fault_class="hardware",
        fault_code="E5",
        diagnosis="Seal",
        work_done="Seal replaced",
        test_passed=True,
    )
    assert redone.status == "awaiting_confirmation"
    assert client.get(url).status_code == 410
    assert client.get(_confirm_url(ticket)).status_code == 200


def test_link_payloads_are_bound_to_their_purpose_salt():
    token = signing.dumps([1, 2], salt="tickets.public.confirm")
    with pytest.raises(signing.BadSignature):
        signing.loads(token, salt="tickets.public.survey")


# --- The survey link -------------------------------------------------------------------


def test_the_survey_stores_the_answer_in_the_follow_up(client, ticket_in, customer):
    ticket = ticket_in("closed", customer=customer)
    url = _survey_url(ticket)
    assert client.get(url).status_code == 200
    assert client.post(url, {"satisfaction": "9"}).status_code == 400
    aspects = {"timeliness": "5", "attitude": "5", "skill": "4", "cleanliness": "5"}
    response = client.post(url, {"satisfaction": "5", "comment": "Very polite", **aspects})
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert (ticket.status, ticket.follow_up_satisfaction, ticket.follow_up_comment) == (
        "followed_up",
        5,
        "Very polite",
    )
    assert TicketEvent.objects.get(ticket=ticket, action="follow_up").payload["via"] == "online"
    assert client.get(url).status_code == 410


def test_the_visitors_language_choice_wins_over_the_stored_one(
    client, ticket_in, customer, settings
):
    ticket = ticket_in("closed", customer=customer)
    url = _survey_url(ticket)
    assert "满意" in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "How satisfied" in client.get(url).content.decode()


def test_the_look_up_counters_fail_open_when_the_cache_is_down(
    client, ticket_in, customer, monkeypatch
):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    ticket = ticket_in("triaged", customer=customer)
    for name in ("get", "add", "incr"):
        monkeypatch.setattr(cache, name, down)
    assert _lookup(client, ticket.number, "5678").status_code == 302
