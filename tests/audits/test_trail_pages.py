"""The audit-trail pages (audits.quality.views.trail) through Django's test client: the
search in each filter mode (read back against the database), keyset pages, inline errors,
the htmx fragment, roles, an object's history with before/after values and masked personal
data, the chain status after a verification (clean and broken), constant query counts."""

import datetime
import re
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits.chain import audit_seal
from audits.choices import AuditSource
from audits.context import audit_context
from audits.models import AuditEvent
from audits.services import audit_record
from audits.tasks import audit_verify_task
from tests.tickets.factories import CustomerFactory, make_ticket

pytestmark = pytest.mark.django_db
URL = "/audit-trail/"


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def _text(response):
    return response.content.decode()


def _visible(response):
    """The page's text as a reader sees it (tags, attributes and scripts dropped)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", _text(response), flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def _shown(response):
    """The event ids in the results table, in page order."""
    return [int(pk) for pk in re.findall(r'<tr data-event-id="(\d+)"', _text(response))]


def _newest_first(queryset):
    return list(queryset.order_by("-created_at", "-id").values_list("pk", flat=True)[:50])


def _event(*, actor=None, action="area.updated", object_type="tickets.area", object_id="1",
           changes=None, source=AuditSource.API):  # fmt: skip
    with audit_context(source=source), transaction.atomic():
        return audit_record(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            changes=changes or {"name": ["Old", "New"]},
        )


def _event_at(at, **kwargs):
    """An event written at instant ``at``, as if the writer's clock said so (created_at is
    covered by the row MAC, so it is set before the row is written, never after)."""
    field = AuditEvent._meta.get_field("created_at")
    with mock.patch.object(field, "_get_default", lambda: at):
        return _event(**kwargs)


@pytest.fixture
def trail(agent, supervisor):
    """A small trail: a ticket's intake and a status change, area edits from the web and
    the API at three instants, a customer edit with a phone number."""
    ticket = make_ticket(actor=agent)
    now = timezone.now()
    events = {
        "old": _event_at(now - datetime.timedelta(days=3), actor=supervisor, source="web"),
        "mid": _event_at(now - datetime.timedelta(days=2), actor=agent, object_id="2"),
        "new": _event_at(now - datetime.timedelta(hours=1), actor=supervisor, object_id="2"),
    }
    customer = CustomerFactory()
    events["customer_edit"] = _event(
        actor=agent,
        action="customer.updated",
        object_type="tickets.customer",
        object_id=str(customer.pk),
        changes={"phone": ["13800138000", "13912345678"], "tier": ["standard", "vip"]},
    )
    with transaction.atomic():
        events["status"] = audit_record(
            actor=supervisor,
            action="ticket.triage",
            obj=ticket,
            ticket=ticket,
            changes={"status": ["new", "triaged"], "priority": ["p3", "p2"]},
        )
    return {"ticket": ticket, "customer": customer, "now": now, **events}


# --- The search, in each of its modes -------------------------------------------------------


def test_defaults_show_every_event_newest_first(login, auditor, trail):
    response = login(auditor).get(URL)
    assert response.status_code == 200
    assert _shown(response) == _newest_first(AuditEvent.objects.all())
    page = _visible(response)
    # Labels, never codes: the action, the object type, the source.
    assert "ticket.triage" not in page and "tickets.area" not in page
    assert "Triage" in page and "Service area" in page and "Web pages" in page


@pytest.mark.parametrize(
    "mode",
    ["object", "object_type", "ticket", "actor", "action", "source", "after", "before", "range"],
)
def test_each_filter_alone_shows_what_the_database_holds(login, auditor, supervisor, trail, mode):
    now = trail["now"]
    local = timezone.localtime
    fmt = "%Y-%m-%dT%H:%M"
    params, expected = {
        "object": (
            {"object_type": "tickets.area", "object_id": "2"},
            AuditEvent.objects.filter(object_type="tickets.area", object_id="2"),
        ),
        "object_type": (
            {"object_type": "tickets.area"},
            AuditEvent.objects.filter(object_type="tickets.area"),
        ),
        "ticket": (
            {"ticket": trail["ticket"].number.lower()},
            AuditEvent.objects.filter(ticket=trail["ticket"]),
        ),
        "actor": (
            {"actor": supervisor.username.upper()},
            AuditEvent.objects.filter(actor=supervisor),
        ),
        "action": ({"action": "ticket.triage"}, AuditEvent.objects.filter(action="ticket.triage")),
        "source": ({"source": "web"}, AuditEvent.objects.filter(source="web")),
        "after": (
            {"after": local(now - datetime.timedelta(days=1)).strftime(fmt)},
            AuditEvent.objects.filter(created_at__gte=now - datetime.timedelta(days=1, seconds=60)),
        ),
        "before": (
            {"before": local(now - datetime.timedelta(days=1)).strftime(fmt)},
            AuditEvent.objects.filter(created_at__lt=now - datetime.timedelta(days=1)),
        ),
        "range": (
            {
                "after": local(now - datetime.timedelta(days=2, hours=1)).strftime(fmt),
                "before": local(now - datetime.timedelta(days=1)).strftime(fmt),
            },
            AuditEvent.objects.filter(pk=trail["mid"].pk),
        ),
    }[mode]
    response = login(auditor).get(URL, params)
    assert response.status_code == 200
    shown = _shown(response)
    assert shown and shown == _newest_first(expected)
    # The form keeps what was asked.
    for value in params.values():
        assert f'value="{value}"' in _text(response) or f'"{value}" selected' in _text(response)


def test_every_filter_together_narrows_to_one_event(login, auditor, supervisor, trail):
    response = login(auditor).get(
        URL,
        {
            "object_type": "tickets.area",
            "object_id": "2",
            "actor": supervisor.username,
            "action": "area.updated",
            "source": "api",
        },
    )
    assert _shown(response) == [trail["new"].pk]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"ticket": "AS-1999-000001"}, "No ticket has this number."),
        ({"actor": "nobody-here"}, "No user has this username."),
        ({"object_id": "12"}, "Choose the type of the object with this ID."),
        ({"after": "2026-03-02T10:00", "before": "2026-03-01T10:00"}, "The end must be after"),
        ({"after": "yesterday"}, "Enter a valid date/time."),
        ({"source": "telepathy"}, "Select a valid choice."),
    ],
)
def test_bad_filters_get_an_inline_error_and_keep_the_input(login, auditor, trail, params, message):
    response = login(auditor).get(URL, params)
    assert response.status_code == 200
    page = _text(response)
    assert message in page.replace("&#x27;", "'")
    assert 'class="field has-error"' in page
    assert _shown(response) == []


def test_a_garbled_page_link_says_so_and_shows_the_newest(login, auditor, trail):
    response = login(auditor).get(URL, {"cursor": "not-a-cursor"})
    assert response.status_code == 200
    assert "not valid any more" in _text(response)
    assert _shown(response) == _newest_first(AuditEvent.objects.all())


def test_keyset_pages_walk_the_whole_trail_once(login, auditor):
    now = timezone.now()
    for i in range(60):
        # Two events per instant, so the cursor's id tie-break is exercised.
        _event_at(now - datetime.timedelta(minutes=i // 2), object_id=str(i))
    client = login(auditor)
    first = client.get(URL, {"object_type": "tickets.area"})
    assert len(_shown(first)) == 50
    next_url = re.search(r'href="(\?[^"]*cursor=[^"]+)"', _text(first)).group(1)
    second = client.get(URL + next_url.replace("&amp;", "&"))
    assert len(_shown(second)) == 10
    assert ">Newest events</a>" in _text(second) and ">Older events</a>" not in _text(second)
    everything = list(
        AuditEvent.objects.filter(object_type="tickets.area")
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    assert _shown(first) + _shown(second) == everything


def test_htmx_gets_the_form_and_results_only(login, auditor, trail):
    response = login(auditor).get(URL, {"source": "web"}, HTTP_HX_REQUEST="true")
    page = _text(response)
    assert "<html" not in page and 'id="trail-search"' in page
    assert "Hash chain" not in page
    assert _shown(response) == [trail["old"].pk]


@pytest.mark.parametrize("role", ["agent", "technician"])
def test_other_roles_may_not_read_the_trail(login, request, role, trail):
    user = request.getfixturevalue(role)
    user = getattr(user, "user", user)
    client = login(user)
    assert client.get(URL).status_code == 403
    ticket_url = reverse("audit-trail-object-page", args=["tickets.ticket", trail["ticket"].pk])
    assert client.get(ticket_url).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_supervisors_read_the_trail_too(login, supervisor, trail):
    assert login(supervisor).get(URL).status_code == 200


# --- An object's history ---------------------------------------------------------------------


def _history(client, object_type, object_id):
    return client.get(reverse("audit-trail-object-page", args=[object_type, object_id]))


def test_a_tickets_history_shows_each_event_with_before_and_after(login, auditor, trail):
    ticket = trail["ticket"]
    response = _history(login(auditor), "tickets.ticket", ticket.pk)
    assert response.status_code == 200
    page = _text(response)
    shown = [
        int(pk) for pk in re.findall(r'<li class="card trail-event[^"]*" id="event-(\d+)"', page)
    ]
    expected = list(
        AuditEvent.objects.filter(ticket=ticket)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )
    assert shown == expected
    assert ticket.number in page
    # The status change side by side, with labels: "Status", "New" → "Triaged".
    row = re.search(r'<tr class="changed">\s*<th scope="row">Status.*?</tr>', page, re.S).group(0)
    assert '<td class="before">New</td>' in row and '<td class="after">Triaged</td>' in row
    assert "triaged" not in _visible(response).split()


def test_personal_data_stays_masked_for_auditors(login, auditor, trail):
    customer = trail["customer"]
    response = _history(login(auditor), "tickets.customer", customer.pk)
    page = _text(response)
    assert "138****8000" in page and "139****5678" in page
    assert "13912345678" not in page
    assert not AuditEvent.objects.filter(action="customer.pii_read").exists()
    assert "VIP" in page or "vip" not in page  # the tier is a choice: its label


def test_supervisors_see_personal_data_and_the_read_is_recorded(login, supervisor, trail):
    customer = trail["customer"]
    page = _text(_history(login(supervisor), "tickets.customer", customer.pk))
    assert "13912345678" in page
    # Noted once for the events shown, once for the safety net's snapshots of the row.
    reads = AuditEvent.objects.filter(action="customer.pii_read", object_id=str(customer.pk))
    assert reads.exists() and {read.actor for read in reads} == {supervisor}


def test_an_object_without_events_says_so(login, auditor):
    response = _history(login(auditor), "tickets.area", "999")
    assert response.status_code == 200
    assert "No events are recorded for this object." in _text(response)


# --- The chain status ------------------------------------------------------------------------


def _tamper(sql):
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql)
        cursor.execute("SET session_replication_role = DEFAULT")


def test_chain_status_before_any_verification(login, auditor, trail):
    page = _text(login(auditor).get(URL))
    assert "has not been verified yet" in page
    assert "Nothing sealed yet" in page


def test_chain_status_after_a_clean_verification(login, auditor, trail):
    audit_seal()
    assert audit_verify_task() is True
    page = _text(login(auditor).get(URL))
    count = AuditEvent.objects.filter(seal_seq__isnull=False).count()
    assert f"{count} sealed events checked" in page
    assert "matches the head" in page
    head = AuditEvent.objects.filter(seal_seq__isnull=False).order_by("-seal_seq").first()
    assert f"#{head.pk} · Triage · Ticket {trail['ticket'].number}</a>" in page


def test_chain_status_names_the_broken_link(login, auditor, trail):
    audit_seal()
    target = trail["mid"]
    _tamper(f"UPDATE audits_auditevent SET changes = '{{}}' WHERE id = {target.pk}")
    assert audit_verify_task() is False
    verification = AuditEvent.objects.get(action="audit.chain_verified")
    assert verification.changes["broken"]["id"] == target.pk
    page = _text(login(auditor).get(URL))
    assert "found the chain broken" in page
    target.refresh_from_db()
    assert f"Broken link: event #{target.pk} (sequence {target.seal_seq}):" in page
    history = reverse("audit-trail-object-page", args=["tickets.area", "2"])
    assert f'It is about: <a href="{history}">Service area 2</a>' in page
    assert "its content was changed after it was sealed" in page


# --- Constant queries --------------------------------------------------------------------------


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx)


def test_query_counts_do_not_grow_with_the_trail(login, auditor, agent):
    client = login(auditor)
    tickets = [make_ticket(actor=agent) for _ in range(3)]
    ticket = tickets[0]

    def grow(n):
        for i in range(n):
            _event(actor=agent, object_id=str(i))
            with transaction.atomic():
                audit_record(actor=agent, action="ticket.contact", obj=ticket, ticket=ticket,
                             changes={"note": ["", f"call {i}"]})  # fmt: skip

    grow(5)
    audit_seal()
    audit_verify_task()
    small = (
        _queries(client, URL),
        _queries(client, URL, {"ticket": ticket.number, "actor": agent.username}),
        _queries(client, reverse("audit-trail-object-page", args=["tickets.ticket", ticket.pk])),
    )
    grow(15)
    large = (
        _queries(client, URL),
        _queries(client, URL, {"ticket": ticket.number, "actor": agent.username}),
        _queries(client, reverse("audit-trail-object-page", args=["tickets.ticket", ticket.pk])),
    )
    assert small == large
    assert max(large) <= 16


def test_beat_verifies_the_chain_with_the_recorded_task(settings):
    from aftersales.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["audit-verify"]
    assert entry["task"] == "audits.tasks.audit_verify_task"
    assert entry["schedule"] == float(settings.AUDIT_VERIFY_INTERVAL_SECONDS)
    assert app.tasks[entry["task"]].name == audit_verify_task.name


def test_a_history_shows_the_safety_nets_snapshots_even_of_a_bypassing_write(login, auditor, agent):
    ticket = make_ticket(actor=agent)
    # A write that bypasses the services (no audit event): the safety net still has it.
    type(ticket).objects.filter(pk=ticket.pk).update(status="triaged")
    page = _text(_history(login(auditor), "tickets.ticket", ticket.pk))
    section = page[page.index('id="snapshots-heading"') :]
    assert "Row inserted" in section and "Row updated" in section
    row = re.search(r'<tr class="changed">\s*<th scope="row">Status.*?</tr>', section, re.S)
    assert row and '<td class="before">New</td>' in row.group(0)
    assert '<td class="after">Triaged</td>' in row.group(0)
    assert not AuditEvent.objects.filter(action="ticket.triage").exists()
