"""The HTML pages: Django test-client tests for every page and action form, query-count
guards, and headless-Chromium walk-throughs (``-m browser``) on a phone-sized screen."""

import datetime
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftersales.roles import Role
from tests.tickets.factories import (
    AreaFactory,
    CustomerFactory,
    ProductFactory,
    ProductModelFactory,
    TechnicianFactory,
    appointment,
    make_ticket,
)
from tickets import services
from tickets.choices import TicketStatus
from tickets.models import Customer, Ticket, TicketEvent
from tickets.views import queue

# A 1×1 transparent PNG, as the signature pad would post it.
SIGNATURE = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
LOCAL = "%Y-%m-%dT%H:%M"


def _local(value):
    return timezone.localtime(value).strftime(LOCAL)


def _detail(ticket):
    return reverse("ticket-detail-page", args=[ticket.pk])


def _action_url(ticket, action):
    return reverse("ticket-action-page", args=[ticket.pk, action])


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def _post(client, ticket, action, data, *, version=None):
    body = {"version": ticket.version if version is None else version, **data}
    return client.post(_action_url(ticket, action), body)


def _text(response):
    return response.content.decode()


# --- Sign-in, home and navigation ----------------------------------------------------------------


@pytest.mark.django_db
def test_sign_in_page_signs_in_and_lands_on_the_ticket_list(client, agent):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "agent", "password": "pw-agent"})
    assert response.status_code == 302
    assert client.get(response.url).url == reverse("ticket-list-page")


@pytest.mark.django_db
def test_sign_in_page_says_when_the_password_is_wrong(client, agent):
    response = client.post(reverse("login"), {"username": "agent", "password": "nope"})
    assert response.status_code == 200
    assert "Wrong username or password." in _text(response)


@pytest.mark.django_db
def test_technician_lands_on_my_jobs(login, technician):
    response = login(technician.user).get(reverse("home"))
    assert response.url == reverse("my-jobs-page")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["home", "ticket-list-page", "ticket-create-page", "my-jobs-page"])
def test_pages_need_a_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def _nav(response):
    """The main navigation only (the list's saved-view tabs share some of its labels)."""
    return re.search(r'<nav class="mainnav".*?</nav>', _text(response), re.S).group(0)


@pytest.mark.django_db
def test_navigation_follows_the_role(login, agent, supervisor, technician):
    desk = _nav(login(agent).get(reverse("ticket-list-page")))
    assert "New ticket" in desk and "My tickets" in desk and "To dispatch" not in desk
    assert "To dispatch" in _nav(login(supervisor).get(reverse("ticket-list-page")))
    field = _nav(login(technician.user).get(reverse("ticket-list-page")))
    assert "My jobs" in field and "New ticket" not in field


# --- Ticket list ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_filters_by_priority_category_and_mine(login, agent, other_agent):
    urgent = make_ticket(actor=agent, priority="p1", category="complaint")
    normal = make_ticket(actor=agent, priority="p3", category="repair")
    theirs = make_ticket(actor=other_agent, priority="p1", category="repair")
    client = login(agent)
    url = reverse("ticket-list-page")

    def numbers(query):
        page = _text(client.get(url, query))
        return {t.number for t in (urgent, normal, theirs) if t.number in page}

    assert numbers({}) == {urgent.number, normal.number, theirs.number}
    assert numbers({"priority": "p1"}) == {urgent.number, theirs.number}
    assert numbers({"category": "repair"}) == {normal.number, theirs.number}
    assert numbers({"mine": "1"}) == {urgent.number, normal.number}
    assert numbers({"mine": "1", "priority": "p1"}) == {urgent.number}


@pytest.mark.django_db
def test_list_pages_with_a_keyset_and_keeps_the_filters(login, agent, monkeypatch):
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    tickets = [make_ticket(actor=agent, priority="p2") for _ in range(3)]
    client = login(agent)
    first = client.get(reverse("ticket-list-page"), {"priority": "p2"})
    page = _text(first)
    assert tickets[2].number in page and tickets[1].number in page
    assert tickets[0].number not in page
    next_url = html.unescape(re.search(r'rel="next" href="([^"]+)"', page).group(1))
    assert "priority=p2" in next_url and "after=" in next_url
    second = _text(client.get(next_url))
    assert tickets[0].number in second and tickets[1].number not in second


@pytest.mark.django_db
def test_list_shows_an_invalid_filter_instead_of_failing(login, agent):
    make_ticket(actor=agent)
    response = login(agent).get(reverse("ticket-list-page"), {"status": "nonsense"})
    assert response.status_code == 200
    assert "Some filters are not valid" in _text(response)


@pytest.mark.django_db
def test_list_shows_a_technician_only_their_jobs(login, ticket_in, agent, technician):
    mine = ticket_in("dispatched")
    other = make_ticket(actor=agent)
    page = _text(login(technician.user).get(reverse("ticket-list-page")))
    assert mine.number in page and other.number not in page


# --- Ticket page ---------------------------------------------------------------------------------


def _forms_on(response):
    return set(re.findall(r'id="action-([a-z_]+)"', _text(response)))


@pytest.mark.django_db
def test_detail_offers_the_forms_of_the_allowed_actions_only(
    login, ticket_in, agent, supervisor, technician, auditor
):
    ticket = ticket_in("new")
    assert _forms_on(login(agent).get(_detail(ticket))) == {
        "triage",
        "contact",
        "pause",
        "escalate",
        "transfer_owner",
        "update",
        "cancel",
    }
    triaged = ticket_in("triaged")
    assert "dispatch" in _forms_on(login(supervisor).get(_detail(triaged)))
    assert "dispatch" not in _forms_on(login(agent).get(_detail(triaged)))
    dispatched = ticket_in("dispatched")
    assert _forms_on(login(technician.user).get(_detail(dispatched))) == {"check_in", "contact"}
    assert _forms_on(login(auditor).get(_detail(dispatched))) == set()


@pytest.mark.django_db
def test_detail_hides_transfer_from_an_agent_who_does_not_own_the_ticket(
    login, ticket_in, other_agent
):
    ticket = ticket_in("new")
    assert "transfer_owner" not in _forms_on(login(other_agent).get(_detail(ticket)))


@pytest.mark.django_db
def test_detail_of_a_job_not_assigned_to_the_technician_is_not_found(login, agent, technician):
    ticket = make_ticket(actor=agent)
    assert login(technician.user).get(_detail(ticket)).status_code == 404


@pytest.mark.django_db
def test_detail_shows_the_phone_to_the_desk_and_masks_it_for_auditors(
    login, ticket_in, agent, auditor
):
    ticket = ticket_in("new")
    phone = ticket.customer.phone
    assert f"tel:{phone}" in _text(login(agent).get(_detail(ticket)))
    audited = _text(login(auditor).get(_detail(ticket)))
    assert phone not in audited and ticket.customer.masked_phone in audited


# --- Every action through its form ---------------------------------------------------------------


def _window(days=1):
    start, end = appointment(days=days)
    return {"appointment_start": _local(start), "appointment_end": _local(end)}


def _paused(ticket, agent):
    return services.ticket_pause(ticket=ticket, actor=agent, reason="Customer abroad")


ACTION_CASES = [
    # (action, start status, actor, form data, check on the ticket afterwards)
    (
        "triage",
        "new",
        "agent",
        {"priority": "p1", "category": "repair", "warranty_decision": "in_warranty"},
        lambda t: t.status == "triaged" and t.priority == "p1",
    ),
    (
        "contact",
        "new",
        "agent",
        {"via": "phone", "note": "Called back"},
        lambda t: t.responded_at is not None,
    ),
    ("pause", "new", "agent", {"reason": "Abroad"}, lambda t: t.sla_paused_at is not None),
    ("resume", _paused, "agent", {"reason": "Back"}, lambda t: t.sla_paused_at is None),
    (
        "dispatch",
        "triaged",
        "supervisor",
        {"technician": "tech", **_window()},
        lambda t: t.status == "dispatched" and t.technician is not None,
    ),
    (
        "reschedule",
        "dispatched",
        "supervisor",
        {"reason": "Customer asked", **_window(days=2)},
        lambda t: (
            timezone.localtime(t.appointment_start).date()
            == timezone.localdate() + datetime.timedelta(days=2)
        ),
    ),
    (
        "check_in",
        "dispatched",
        "technician",
        {"share_location": "on", "latitude": "31.23", "longitude": "121.47"},
        lambda t: (
            t.status == "on_site"
            # (booked for tomorrow, so the check-in is also recorded as early)
            and t.events.last().payload
            == {"latitude": 31.23, "longitude": 121.47, "outside_window": "early"}
        ),
    ),
    (
        "complete",
        "on_site",
        "technician",
        {
            "fault_class": "hardware",
            "fault_code": "E4",
            "diagnosis": "Relay stuck",
            "work_done": "Relay replaced",
            "test_passed": "true",
        },
        lambda t: t.status == "awaiting_confirmation" and t.test_passed is True,
    ),
    (
        "resolve_remotely",
        "triaged",
        "agent",
        {"resolution": "Reset the remote"},
        lambda t: t.status == "awaiting_confirmation",
    ),
    (
        "confirm",
        "awaiting_confirmation",
        "technician",
        {"accepted": "yes", "satisfaction": "5", "comment": "Quick", "signature": SIGNATURE},
        lambda t: t.status == "closed" and t.confirmation_signature == SIGNATURE,
    ),
    (
        "follow_up",
        "closed",
        "agent",
        {
            "satisfaction": "4",
            "via": "phone",
            "comment": "Fine",
            "timeliness": "4",
            "attitude": "5",
            "skill": "4",
            "cleanliness": "4",
        },
        lambda t: t.status == "followed_up" and t.follow_up_satisfaction == 4,
    ),
    ("cancel", "new", "agent", {"reason": "Withdrawn"}, lambda t: t.status == "cancelled"),
    ("escalate", "new", "agent", {"reason": "Angry"}, lambda t: t.escalation_level == 1),
    (
        "transfer_owner",
        "new",
        "agent",
        {"owner": "agent2", "reason": "Shift ends"},
        lambda t: t.owner.username == "agent2",
    ),
    (
        "update",
        "new",
        "agent",
        {"description": "Not cooling, and noisy"},
        lambda t: t.description == "Not cooling, and noisy",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "start", "actor", "data", "check"), ACTION_CASES, ids=[c[0] for c in ACTION_CASES]
)
def test_action_form_calls_the_service_and_redirects(
    login, ticket_in, agent, other_agent, supervisor, technician, action, start, actor, data, check
):
    ticket = start(ticket_in("new"), agent) if callable(start) else ticket_in(start)
    people = {"agent": agent, "supervisor": supervisor, "technician": technician.user}
    data = {
        key: {"tech": technician.pk, "agent2": other_agent.pk}.get(value, value)
        for key, value in data.items()
    }
    client = login(people[actor])
    events = ticket.events.count()
    response = _post(client, ticket, action, data)
    assert response.status_code == 302, _text(response)
    assert response.url == _detail(ticket)
    ticket.refresh_from_db()
    assert check(ticket)
    # The follow-up also writes its survey response's own event (tickets.surveys).
    assert ticket.events.count() == events + (2 if action == "follow_up" else 1)
    assert "done" in _text(client.get(response.url))


@pytest.mark.django_db
def test_invalid_form_re_renders_with_the_errors_and_keeps_the_input(login, ticket_in, agent):
    ticket = ticket_in("new")
    response = _post(login(agent), ticket, "triage", {"note": "Customer is VIP, call first"})
    assert response.status_code == 400
    page = _text(response)
    assert "This field is required." in page
    assert "Customer is VIP, call first" in page
    assert 'id="action-triage" open' in page
    ticket.refresh_from_db()
    assert ticket.status == "new"


@pytest.mark.django_db
def test_service_validation_error_is_shown_on_its_field(login, agent):
    product = ProductFactory(purchase_date=timezone.localdate() - datetime.timedelta(days=900))
    ticket = make_ticket(actor=agent, product=product)
    response = _post(
        login(agent),
        ticket,
        "triage",
        {"priority": "p2", "category": "repair", "warranty_decision": "in_warranty"},
    )
    assert response.status_code == 400
    assert "warranty ended" in _text(response)
    ticket.refresh_from_db()
    assert ticket.status == "new"


@pytest.mark.django_db
def test_stale_version_says_so_keeps_the_input_and_lets_the_user_resubmit(login, ticket_in, agent):
    ticket = ticket_in("new")
    seen = ticket.version
    services.ticket_contact(ticket=ticket, actor=agent, note="Other desk", via="phone")
    client = login(agent)
    data = {
        "priority": "p2",
        "category": "repair",
        "warranty_decision": "out_of_warranty",
        "note": "Mine",
    }
    response = _post(client, ticket, "triage", data, version=seen)
    assert response.status_code == 409
    page = _text(response)
    assert "Someone else changed this ticket" in page
    assert re.search(r">\s*Mine</textarea>", page)
    ticket.refresh_from_db()
    assert ticket.status == "new"
    assert f'name="version" value="{ticket.version}"' in page
    assert _post(client, ticket, "triage", data).status_code == 302


@pytest.mark.django_db
def test_stale_page_whose_action_is_gone_still_shows_what_was_typed(
    login, ticket_in, agent, other_agent
):
    ticket = ticket_in("new")
    seen = ticket.version
    services.ticket_triage(
        ticket=ticket, actor=other_agent, priority="p3", warranty_decision="out_of_warranty"
    )
    data = {
        "priority": "p1",
        "category": "repair",
        "warranty_decision": "out_of_warranty",
        "note": "Mine",
    }
    response = _post(login(agent), ticket, "triage", data, version=seen)
    assert response.status_code == 409
    page = _text(response)
    assert "no longer possible" in page and re.search(r">\s*Mine</textarea>", page)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("triaged", "p3")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "actor", "action"),
    [
        ("dispatched", "technician", "cancel"),
        ("new", "auditor", "contact"),
        ("triaged", "agent", "dispatch"),
        ("dispatched", "agent", "check_in"),
    ],
)
def test_an_action_the_role_may_not_take_is_forbidden(
    login, ticket_in, agent, auditor, technician, status, actor, action
):
    ticket = ticket_in(status)
    people = {"agent": agent, "auditor": auditor, "technician": technician.user}
    response = _post(login(people[actor]), ticket, action, {})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == status


@pytest.mark.django_db
def test_a_technician_cannot_act_on_another_technicians_job(login, ticket_in, other_technician):
    ticket = ticket_in("dispatched")
    assert _post(login(other_technician.user), ticket, "check_in", {}).status_code == 404


@pytest.mark.django_db
def test_unknown_action_is_not_found_and_get_is_not_allowed(login, ticket_in, agent):
    ticket = ticket_in("new")
    client = login(agent)
    assert _post(client, ticket, "explode", {}).status_code == 404
    assert client.get(_action_url(ticket, "triage")).status_code == 405


@pytest.mark.django_db
def test_refused_transition_is_explained(login, ticket_in, agent):
    ticket = _paused(ticket_in("new"), agent)
    response = _post(login(agent), ticket, "pause", {"reason": "Again"})
    assert response.status_code == 409
    assert "already paused" in _text(response)


@pytest.mark.django_db
def test_dispatch_to_an_unqualified_technician_gives_the_reasons(
    login, ticket_in, supervisor, technician
):
    ticket = ticket_in("triaged")
    elsewhere = TechnicianFactory(areas=[AreaFactory(code="minhang", name="Minhang")])
    response = _post(
        login(supervisor), ticket, "dispatch", {"technician": elsewhere.pk, **_window()}
    )
    assert response.status_code == 409
    assert "does not cover the customer&#x27;s area" in _text(response)
    ticket.refresh_from_db()
    assert ticket.status == "triaged"


@pytest.mark.django_db
def test_dispatch_window_must_end_after_it_starts(login, ticket_in, supervisor, technician):
    ticket = ticket_in("triaged")
    start, _end = appointment()
    response = _post(
        login(supervisor),
        ticket,
        "dispatch",
        {
            "technician": technician.pk,
            "appointment_start": _local(start),
            "appointment_end": _local(start - datetime.timedelta(hours=1)),
        },
    )
    assert response.status_code == 400
    assert "must end after it starts" in _text(response)


@pytest.mark.django_db
def test_confirm_refuses_a_broken_signature_and_a_silent_rejection(login, ticket_in, technician):
    ticket = ticket_in("awaiting_confirmation")
    client = login(technician.user)
    broken = _post(client, ticket, "confirm", {"accepted": "yes", "signature": "hello"})
    assert broken.status_code == 400
    assert "could not be read" in _text(broken)
    silent = _post(client, ticket, "confirm", {"accepted": "no"})
    assert silent.status_code == 400
    assert "why the customer rejects" in _text(silent)
    rejected = _post(client, ticket, "confirm", {"accepted": "no", "comment": "Still warm"})
    assert rejected.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "triaged" and ticket.technician is None


@pytest.mark.django_db
def test_closed_ticket_shows_the_signature_and_rating(login, ticket_in, agent, technician):
    ticket = ticket_in("awaiting_confirmation")
    services.ticket_confirm(
        ticket=ticket, actor=technician.user, accepted=True, satisfaction=4, signature=SIGNATURE
    )
    page = _text(login(agent).get(_detail(ticket)))
    assert f'src="{SIGNATURE}"' in page and "4/5" in page


# --- Intake --------------------------------------------------------------------------------------


def _intake(**fields):
    return {
        "channel": "phone",
        "category": "repair",
        "priority": "p3",
        "description": "Washing machine leaks",
        **fields,
    }


@pytest.mark.django_db
def test_intake_is_for_the_desk(login, technician, auditor, agent):
    assert login(technician.user).get(reverse("ticket-create-page")).status_code == 403
    assert login(auditor).get(reverse("ticket-create-page")).status_code == 403
    assert login(agent).get(reverse("ticket-create-page")).status_code == 200


@pytest.mark.django_db
def test_intake_finds_the_customer_by_phone_with_products_and_history(login, agent):
    product = ProductFactory(customer__phone="13812345678")
    earlier = make_ticket(actor=agent, product=product)
    page = _text(login(agent).get(reverse("ticket-create-page"), {"phone": "+86 138-1234-5678"}))
    assert "Customer found" in page
    assert product.customer.name in page
    assert product.serial_number in page
    assert earlier.number in page


@pytest.mark.django_db
def test_intake_for_an_unknown_phone_offers_a_new_customer(login, agent):
    page = _text(login(agent).get(reverse("ticket-create-page"), {"phone": "138 0000 1111"}))
    assert "New customer" in page
    assert 'value="13800001111"' in page


@pytest.mark.django_db
def test_intake_says_when_the_phone_is_not_a_number(login, agent):
    page = _text(login(agent).get(reverse("ticket-create-page"), {"phone": "abc"}))
    assert "Enter a valid phone number" in page


@pytest.mark.django_db
def test_intake_registers_customer_product_and_ticket(login, agent):
    model = ProductModelFactory()
    area = AreaFactory()
    response = login(agent).post(
        reverse("ticket-create-page"),
        _intake(
            **{
                "customer-name": "Li Lei",
                "customer-phone": "13911112222",
                "customer-address": "8 Lujiazui Road",
                "customer-area": area.pk,
                "customer-tier": "standard",
                "product": "new",
                "product-model": model.pk,
                "product-serial_number": "WM-1",
                "product-purchase_date": (timezone.localdate() - datetime.timedelta(days=30)),
            }
        ),
    )
    assert response.status_code == 302, _text(response)
    ticket = Ticket.objects.get()
    assert response.url == _detail(ticket)
    assert ticket.owner == agent and ticket.status == "new"
    assert ticket.customer.phone == "13911112222"
    assert ticket.product.serial_number == "WM-1"


@pytest.mark.django_db
def test_intake_for_a_known_customer_and_product(login, agent):
    product = ProductFactory()
    response = login(agent).post(
        reverse("ticket-create-page"),
        _intake(customer=product.customer_id, product=product.pk, priority="p2"),
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.customer, ticket.product, ticket.priority) == (product.customer, product, "p2")


@pytest.mark.django_db
def test_intake_rolls_back_everything_when_a_step_is_refused(login, agent):
    taken = ProductFactory(serial_number="DUP-1")
    response = login(agent).post(
        reverse("ticket-create-page"),
        _intake(
            **{
                "customer-name": "Han Meimei",
                "customer-phone": "13933334444",
                "customer-tier": "standard",
                "product": "new",
                "product-model": taken.model_id,
                "product-serial_number": "DUP-1",
                "product-purchase_date": "2024-01-01",
            }
        ),
    )
    assert response.status_code == 400
    page = _text(response)
    assert "already registered" in page
    assert "Han Meimei" in page and "Washing machine leaks" in page
    assert not Customer.objects.filter(phone="13933334444").exists()
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_intake_shows_a_duplicate_phone_on_the_phone_field(login, agent):
    CustomerFactory(phone="13955556666")
    response = login(agent).post(
        reverse("ticket-create-page"),
        _intake(
            **{"customer-name": "X", "customer-phone": "13955556666", "customer-tier": "standard"}
        ),
    )
    assert response.status_code == 400
    assert "already exists" in _text(response)
    assert not Ticket.objects.exists()


# --- My jobs -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_my_jobs_lists_the_technicians_open_jobs_in_visit_order(
    login, ticket_in, agent, supervisor, technician
):
    on_site = ticket_in("on_site")
    later = ticket_in("triaged")
    start, end = appointment(days=3)
    services.ticket_dispatch(
        ticket=later,
        actor=supervisor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )
    closed = ticket_in("closed")
    page = _text(login(technician.user).get(reverse("my-jobs-page")))
    assert on_site.number in page and later.number in page
    assert closed.number not in page
    assert page.index(on_site.number) < page.index("Upcoming") < page.index(later.number)


@pytest.mark.django_db
def test_my_jobs_is_for_technicians(login, agent):
    assert login(agent).get(reverse("my-jobs-page")).status_code == 403


# --- Simplified Chinese --------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_speak_simplified_chinese(login, ticket_in, agent):
    ticket = ticket_in("new")
    client = login(agent)
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    page = _text(client.get(_detail(ticket)))
    assert 'lang="zh-hans"' in page
    for label in ("受理", "新建", "时间线", "记录联系"):
        assert label in page, label


def test_every_message_is_translated_to_simplified_chinese():
    po = Path(settings.BASE_DIR, "locale", "zh_Hans", "LC_MESSAGES", "django.po").read_text()
    entries = re.findall(r'\nmsgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', po + "\n")
    assert len(entries) > 200
    untranslated = [i for i, s in entries[1:] if s.strip() == '""']
    assert untranslated == []
    assert "#, fuzzy" not in po.split("msgid", 2)[2]
    assert Path(settings.BASE_DIR, "locale", "zh_Hans", "LC_MESSAGES", "django.mo").exists()


# --- Query counts --------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.fixture
def busy_technician(technician):
    """Lift the daily job limit so one technician can carry the bulk tickets."""
    technician.max_jobs_per_day = 100
    technician.save(update_fields=["max_jobs_per_day"])
    return technician


@pytest.mark.django_db
def test_list_page_runs_the_same_queries_for_5_and_30_tickets(
    login, ticket_in, agent, busy_technician
):
    for status in ("new", "triaged", "dispatched", "on_site", "closed"):
        ticket_in(status)
    client = login(agent)
    url = reverse("ticket-list-page")
    cache.clear()  # the tab counts the desk shares are cached: measure both without them
    few = _queries(client, url)
    for i in range(25):
        ticket_in(["new", "dispatched", "closed"][i % 3])
    assert Ticket.objects.count() == 30
    cache.clear()
    assert _queries(client, url) == few


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["new", "triaged", "awaiting_confirmation"])
def test_detail_page_runs_the_same_queries_for_5_and_30_tickets(
    login, ticket_in, agent, supervisor, busy_technician, status
):
    ticket = ticket_in(status)
    for _ in range(4):
        ticket_in("dispatched")
    user = supervisor if status == "triaged" else agent
    client = login(user)
    few = _queries(client, _detail(ticket))
    for _ in range(25):
        ticket_in("on_site")
    for n in range(10):  # a longer timeline must not cost queries either
        ticket = services.ticket_contact(ticket=ticket, actor=user, note=f"Call {n}", via="sms")
    assert Ticket.objects.count() == 30
    assert _queries(client, _detail(ticket)) == few


@pytest.mark.django_db
def test_my_jobs_runs_the_same_queries_for_few_and_many_jobs(login, ticket_in, busy_technician):
    ticket_in("dispatched")
    client = login(busy_technician.user)
    few = _queries(client, reverse("my-jobs-page"))
    for status in ("dispatched", "on_site", "awaiting_confirmation") * 2:
        ticket_in(status)
    assert _queries(client, reverse("my-jobs-page")) == few


from tests.browser import (  # noqa: E402, F401  (fixtures come from tests/conftest.py)
    CHROMIUM,
    PHONE,
    _assert_fits,
    _assert_touch_targets,
    _screenshot,
    _sign_in,
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_agent_takes_a_ticket_from_intake_to_triaged_in_the_browser(open_page, make_user):
    make_user(Role.AGENT, username="desk")
    model = ProductModelFactory(name="Front-loading washer")
    AreaFactory()
    page = open_page()
    _sign_in(page, "desk", "pw-desk")
    page.click("nav >> text=New ticket")
    page.fill("#id_phone", "139 8888 7777")
    page.click("text=Find customer")
    page.fill("#id_customer-name", "Wang Fang")
    page.fill("#id_customer-address", "12 Zhangjiang Road")
    page.select_option("#id_customer-area", label="Pudong")
    page.check("input[name=product][value=new]")
    page.select_option("#id_product-model", str(model.pk))
    page.fill("#id_product-serial_number", "FL-2024-1")
    page.fill("#id_product-purchase_date", "2025-03-01")
    page.select_option("#id_category", "repair")
    page.fill("#id_description", "Drum does not spin; error E21")
    _screenshot(page, "aftersales-desk-intake.png")
    page.click("text=Record ticket")
    page.wait_for_selector(".messages")
    assert "first-contact owner" in page.inner_text(".messages")
    ticket = Ticket.objects.get()
    assert ticket.customer.name == "Wang Fang" and ticket.product.serial_number == "FL-2024-1"

    page.select_option("#id_triage_priority", "p2")
    page.select_option("#id_triage_fault_class", "mechanical")
    page.select_option("#id_triage_warranty_decision", "in_warranty")
    page.click("#action-triage button[type=submit]")
    page.wait_for_selector(".messages")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.fault_class) == ("triaged", "p2", "mechanical")
    assert "Triaged" in page.inner_text("h1")
    _screenshot(page, "aftersales-desk-detail.png")

    page.set_viewport_size(PHONE)
    page.goto("/tickets/")
    _assert_fits(page, 360)
    _screenshot(page, "aftersales-phone-list.png")
    _assert_touch_targets(
        page, "main button, main select, main input:not([type=checkbox]), .choice, .mainnav a"
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_technician_checks_in_completes_and_the_customer_signs_on_a_phone(open_page, make_user):
    desk = make_user(Role.AGENT, username="desk")
    boss = make_user(Role.SUPERVISOR, username="boss")
    tech = TechnicianFactory(user__username="field", full_name="Zhao Gang")
    product = ProductFactory(customer__area=tech.areas.first(), customer__name="Chen Jing")
    ticket = make_ticket(actor=desk, product=product, description="Air conditioner drips water")
    ticket = services.ticket_triage(
        ticket=ticket, actor=desk, priority="p2", warranty_decision="in_warranty"
    )
    start = timezone.now() + datetime.timedelta(minutes=30)
    services.ticket_dispatch(
        ticket=ticket,
        actor=boss,
        technician=tech,
        appointment_start=start,
        appointment_end=start + datetime.timedelta(hours=2),
    )

    page = open_page(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": 31.2304, "longitude": 121.4737},
        permissions=["geolocation"],
    )
    _sign_in(page, "field", "pw")
    assert page.url.endswith("/jobs/")
    _assert_fits(page, 360)
    _screenshot(page, "aftersales-phone-jobs.png")
    # The card opens the job page (tests/tickets/test_job_browser.py walks it); the ticket
    # page, with its own check-in, completion and the customer's signature, is this test's.
    page.click(f"text={ticket.number}")
    page.wait_for_url(f"**/jobs/{ticket.pk}/")
    page.goto(f"/tickets/{ticket.pk}/")
    _assert_fits(page, 360)
    _screenshot(page, "aftersales-phone-detail.png")
    _assert_touch_targets(page, ".actions button, .actions summary, .actions .choice")

    page.click("#action-check_in button[type=submit]")
    page.wait_for_selector("#action-complete")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ON_SITE
    check_in = TicketEvent.objects.filter(ticket=ticket, action="check_in").get()
    assert check_in.payload["latitude"] == 31.2304
    assert check_in.payload["longitude"] == 121.4737

    page.select_option("#id_complete_fault_class", "hardware")
    page.fill("#id_complete_fault_code", "E5")
    page.fill("#id_complete_diagnosis", "Drain pipe blocked")
    page.fill("#id_complete_work_done", "Cleared the drain pipe")
    page.check("#id_complete_test_passed_0")
    page.click("#action-complete button[type=submit]")
    page.wait_for_selector("canvas.signature-pad")
    _assert_fits(page, 360)

    page.check("#id_confirm_satisfaction_4")
    page.fill("#id_confirm_comment", "Clean and quick")
    box = page.locator("canvas.signature-pad").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(
            box["x"] + 20 + step * 22,
            box["y"] + box["height"] * (0.7 - 0.35 * (step % 2)),
            steps=3,
        )
    page.mouse.up()
    assert page.input_value("input[name=signature]").startswith("data:image/png;base64,")
    _screenshot(page, "aftersales-phone-confirm.png")
    page.click("#action-confirm button[type=submit]")
    page.wait_for_selector(".signature-img")
    _assert_fits(page, 360)
    _screenshot(page, "aftersales-phone-closed.png")

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.satisfaction == 5
    assert ticket.confirmation_signature.startswith("data:image/png;base64,")
    assert len(ticket.confirmation_signature) > 500  # strokes, not an empty canvas


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_switching_to_simplified_chinese_in_the_browser(open_page, make_user):
    desk = make_user(Role.AGENT, username="desk")
    ticket = make_ticket(actor=desk)
    page = open_page(viewport=PHONE)
    _sign_in(page, "desk", "pw-desk")
    page.goto(f"/tickets/{ticket.pk}/")
    page.select_option("select[name=language]", "zh-hans")
    page.wait_for_selector("html[lang=zh-hans]")
    assert page.url.endswith(f"/tickets/{ticket.pk}/")
    text = page.inner_text("body")
    for label in ("受理", "新建", "时间线", "操作", "退出"):
        assert label in text, label
    _assert_fits(page, 360)
    _screenshot(page, "aftersales-phone-detail-zh.png")
    page.goto("/tickets/")
    assert "工单" in page.inner_text("h1")
    _assert_fits(page, 360)


def test_signature_must_be_a_small_png_or_jpeg_data_url():
    from django.core.exceptions import ValidationError

    from tickets.forms import validate_signature

    validate_signature(SIGNATURE)
    for bad in ("hello", "data:text/html;base64,PGI+", "data:image/png;base64,"):
        with pytest.raises(ValidationError):
            validate_signature(bad)
    with pytest.raises(ValidationError):
        validate_signature("data:image/png;base64," + "A" * 400_000)


def test_dispatch_form_ranks_technicians_and_says_why_others_may_not_go(
    login, ticket_in, supervisor, technician
):
    from tests.tickets.factories import TechnicianFactory

    TechnicianFactory(
        full_name="Uncertified Ma", areas=list(technician.areas.all()), certified_for=[]
    )
    page = _text(login(supervisor).get(_detail(ticket_in("triaged"))))
    first = f"1. {technician.full_name} ({technician.employee_no})"
    assert f"{first} — 0/6 jobs booked that day" in page
    assert "✕ Uncertified Ma" in page
    assert "no valid certificate for this product category" in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_supervisor_dispatches_the_top_ranked_technician_on_a_phone(open_page, make_user, locale):
    desk = make_user(Role.AGENT, username="desk")
    make_user(Role.SUPERVISOR, username="boss")
    best = TechnicianFactory(full_name="Zhao Gang", employee_no="T1")
    TechnicianFactory(
        full_name="Qian Uncertified With A Rather Long Name",
        employee_no="T2",
        areas=list(best.areas.all()),
        certified_for=[],
    )
    product = ProductFactory(customer__area=best.areas.first())
    ticket = services.ticket_triage(
        ticket=make_ticket(actor=desk, product=product),
        actor=desk,
        priority="p2",
        warranty_decision="in_warranty",
    )
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True, locale=locale)
    _sign_in(page, "boss", "pw-boss")
    page.goto(f"/tickets/{ticket.pk}/")
    if not page.eval_on_selector("#action-dispatch", "panel => panel.open"):
        page.click("#action-dispatch summary")
    options = page.eval_on_selector_all(
        "#id_dispatch_technician option", "options => options.map(o => o.textContent)"
    )
    assert options[1].startswith("1. Zhao Gang (T1)")
    assert options[2].startswith("✕ Qian")
    reading = {"en-US": "0/6 jobs booked that day", "zh-CN": "当天已派 0/6 单"}[locale]
    assert reading in options[1]
    _assert_fits(page, 360)
    _screenshot(page, f"aftersales-phone-dispatch-{locale}.png")
    page.select_option("#id_dispatch_technician", str(best.pk))
    page.click("#action-dispatch button[type=submit]")
    page.wait_for_selector(".messages")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.technician_id) == ("dispatched", best.pk)


def test_my_jobs_shows_the_technicians_certificates_and_training_year(login, technician):
    from tests.tickets.factories import CertificationFactory

    CertificationFactory(
        technician=technician,
        number="SOON-1",
        expires_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    page = _text(login(technician.user).get(reverse("my-jobs-page")))
    assert "My certificates" in page
    assert "SOON-1" in page and "Expiring within 30 days" in page
    assert "Training over the last 12 months: 0.0 h theory (of 20.0)" in page
