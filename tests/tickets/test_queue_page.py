"""The ticket queue page (tickets.views.queue) through Django's test client: saved views and
their tabs, sortable headers, keyset pager links, the htmx fragment, bulk actions read back
from the database, the SLA badge's words, and constant query counts."""

import datetime
import html
import re

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from tests.tickets.factories import make_ticket
from tickets import services
from tickets.models import Ticket, TicketEvent
from tickets.sla import Countdown
from tickets.templatetags.tickets_ui import duration_text, sla_badge_data
from tickets.views import queue

pytestmark = pytest.mark.django_db
URL = "/tickets/"
BULK = "/tickets/bulk/"
H = datetime.timedelta(hours=1)


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def _text(response):
    return response.content.decode()


def _numbers(response):
    return re.findall(r'<th scope="row" class="num"><a [^>]*>([^<]+)</a>', _text(response))


# --- Tabs, sorting, pages ------------------------------------------------------------------


def test_tabs_link_each_view_with_its_count(login, agent, ticket_in):
    ticket_in("new")
    ticket_in("new")
    ticket_in("triaged")
    page = _text(login(agent).get(URL))
    tabs = dict(
        re.findall(
            r'data-view="([a-z_]+)"[^>]*>[^<]*(?:<span class="count" data-count>(\d+))?', page
        )
    )
    assert tabs["to_triage"] == "2" and tabs["to_dispatch"] == "1" and tabs["mine"] == "3"
    assert tabs["all"] == ""  # no count over the whole table
    assert 'href="/tickets/?view=to_triage"' in page
    assert re.search(r'data-view="all" aria-current="page"', page)


def test_a_view_combines_with_the_filters(login, agent, other_agent):
    mine_p1 = make_ticket(actor=agent, priority="p1")
    make_ticket(actor=agent, priority="p3")
    theirs_p1 = make_ticket(actor=other_agent, priority="p1")
    client = login(agent)
    assert set(_numbers(client.get(URL, {"view": "to_triage", "priority": "p1"}))) == {
        mine_p1.number,
        theirs_p1.number,
    }
    assert _numbers(client.get(URL, {"view": "mine", "priority": "p1"})) == [mine_p1.number]
    page = _text(client.get(URL, {"view": "mine", "priority": "p1"}))
    assert '<input type="hidden" name="view" value="mine">' in page  # the filter form keeps it


def test_headers_sort_with_aria_sort_and_keep_the_filters(login, agent):
    low = make_ticket(actor=agent, priority="p4")
    high = make_ticket(actor=agent, priority="p1")
    client = login(agent)
    page = _text(client.get(URL, {"priority": ["p1", "p4"]}))
    assert re.search(r'<th scope="col" class="num" aria-sort="descending">', page)
    link = re.search(r'href="(/tickets/\?[^"]*sort=priority[^"]*)"', page).group(1)
    link = html.unescape(link)
    assert "priority=p1" in link and "priority=p4" in link
    sorted_page = client.get(link)
    assert _numbers(sorted_page) == [high.number, low.number]
    assert re.search(
        r'aria-sort="ascending"><a class="sort" href="[^"]*sort=-priority', _text(sorted_page)
    )
    assert _numbers(client.get(URL, {"sort": "-priority"})) == [low.number, high.number]


def test_pager_walks_forward_and_back_with_cursors(login, agent, monkeypatch):
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    tickets = [make_ticket(actor=agent) for _ in range(5)]
    client = login(agent)
    seen, url = [], URL + "?sort=created"
    while url:
        response = client.get(url)
        seen += _numbers(response)
        found = re.search(r'rel="next" href="([^"]+)"', _text(response))
        url = html.unescape(found.group(1)) if found else None
    assert seen == [t.number for t in tickets]
    previous = re.search(r'rel="prev" href="([^"]+)"', _text(response)).group(1)
    assert _numbers(client.get(html.unescape(previous))) == [t.number for t in tickets[2:4]]
    with CaptureQueriesContext(connection) as captured:
        client.get(html.unescape(previous))
    assert not [q["sql"] for q in captured if "OFFSET" in q["sql"].upper()]  # keyset, not offset


def test_a_forged_cursor_shows_the_first_page(login, agent):
    ticket = make_ticket(actor=agent)
    assert _numbers(login(agent).get(URL, {"after": "garbage"})) == [ticket.number]


def test_the_poll_answers_rows_tabs_and_pager_only(login, agent):
    ticket = make_ticket(actor=agent)
    response = login(agent).get(URL, {"view": "to_triage"}, HTTP_HX_REQUEST="true")
    page = _text(response)
    assert page.lstrip().startswith("<tbody") and "<html" not in page
    assert ticket.number in page
    assert 'id="view-tabs" aria-label="Saved views" hx-swap-oob="true"' in page
    assert 'id="list-pager"' in page and "hx-swap-oob" in page
    assert 'hx-get="/tickets/?view=to_triage"' in page
    assert 'hx-trigger="every 30s"' in page


def test_the_poll_interval_is_a_setting(login, agent, settings):
    settings.TICKET_LIST_POLL_SECONDS = 5
    assert 'hx-trigger="every 5s"' in _text(login(agent).get(URL))


def test_a_poll_does_not_keep_an_idle_session_alive(client, agent):
    client.post(reverse("login"), {"username": "agent", "password": "pw-agent"})
    soon = timezone.now() + datetime.timedelta(minutes=5)
    Session.objects.update(expire_date=soon)
    assert client.get(URL, HTTP_HX_REQUEST="true", HTTP_X_BACKGROUND_REFRESH="1").status_code == 200
    assert Session.objects.get().expire_date == soon
    assert client.get(URL).status_code == 200  # a person's request slides it
    assert Session.objects.get().expire_date > soon + datetime.timedelta(minutes=20)


def test_list_queries_stay_constant_for_each_view_and_sort(login, agent, ticket_in, technician):
    technician.max_jobs_per_day = 100
    technician.save(update_fields=["max_jobs_per_day"])
    client = login(agent)
    shapes = [
        {"view": view, "sort": sort}
        for view in ("mine", "to_triage", "breached", "follow_ups_due", "all")
        for sort in ("-created", "owner", "sla_due")
    ]

    def counts():
        cache.clear()  # each round starts with the shared counts uncached, then reuses them
        result = []
        for query in shapes:
            for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
                with CaptureQueriesContext(connection) as captured:
                    assert client.get(URL, query, **htmx).status_code == 200
                result.append(len(captured))
        return result

    def due_and_late():  # every view has rows in both sizes
        Ticket.objects.filter(status="closed").update(follow_up_due_at=timezone.now() - H)
        Ticket.objects.filter(status="new").update(response_due_at=timezone.now() - H)

    for status in ("new", "triaged", "dispatched", "closed"):
        ticket_in(status)
    due_and_late()
    few = counts()
    for i in range(30):
        ticket_in(["new", "triaged", "dispatched", "closed"][i % 4])
    due_and_late()
    assert Ticket.objects.count() == 34
    assert counts() == few


def test_the_shared_counts_are_cached_until_a_ticket_changes(
    login, agent, other_agent, django_capture_on_commit_callbacks
):
    make_ticket(actor=agent)
    client = login(agent)

    def to_triage():
        page = _text(client.get(URL))
        return re.search(r'data-view="to_triage">[^<]*<span class="count" data-count>(\d+)', page)[
            1
        ]

    assert to_triage() == "1"
    with CaptureQueriesContext(connection) as captured:
        client.get(URL)
    assert not [q for q in captured if "FILTER (WHERE" in q["sql"]]  # the aggregate is cached
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(actor=other_agent)  # a write commits: the cache is stale
    assert to_triage() == "2"
    mine = re.search(
        r'data-view="mine">[^<]*<span class="count" data-count>(\d+)',
        _text(login(other_agent).get(URL)),
    )[1]
    assert mine == "1"  # "mine" is each user's own, never shared


# --- Bulk actions ----------------------------------------------------------------------------


def _bulk(client, action, tickets, *, versions=None, **data):
    versions = versions or {}
    body = {
        "action": action,
        "ticket": [f"{t.pk}:{versions.get(t.pk, t.version)}" for t in tickets],
        "list_query": "view=all&priority=p3",
        **data,
    }
    return client.post(BULK, body, follow=True)


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def test_a_supervisor_transfers_owners_and_a_stale_ticket_is_refused(
    login, supervisor, agent, other_agent
):
    first, second, stale = (make_ticket(actor=agent) for _ in range(3))
    shown_version = stale.version
    services.ticket_escalate(ticket=stale, actor=agent, reason="Customer called again")
    response = _bulk(
        login(supervisor),
        "transfer_owner",
        [first, second, stale],
        versions={stale.pk: shown_version},
        owner=other_agent.pk,
        reason="Agent on leave",
    )
    assert response.redirect_chain[-1][0] == "/tickets/?view=all&priority=p3"
    owners = dict(Ticket.objects.values_list("pk", "owner__username"))
    assert owners == {first.pk: "agent2", second.pk: "agent2", stale.pk: "agent"}
    said = _messages(response)
    assert said[0] == "Transfer owner: 2 tickets done, 1 refused."
    assert f"{first.number}: transferred to agent2." in said
    assert (
        f"{stale.number}: not transferred. Someone else changed it after the list was loaded; "
        "reload the list and try again." in said
    )
    assert not any("stale" in m or "version" in m for m in said)  # words, no codes
    assert TicketEvent.objects.filter(kind="owner_transfer").count() == 2


def test_an_agent_escalates_and_the_services_refuse_what_their_rules_forbid(
    login, agent, other_agent, ticket_in
):
    open_ticket = make_ticket(actor=agent)
    top = make_ticket(actor=agent)
    Ticket.objects.filter(pk=top.pk).update(escalation_level=3)
    top.refresh_from_db()
    closed = ticket_in("closed")
    response = _bulk(login(agent), "escalate", [open_ticket, top, closed], reason="Still broken")
    levels = dict(Ticket.objects.values_list("pk", "escalation_level"))
    assert levels[open_ticket.pk] == 1 and levels[top.pk] == 3 and levels[closed.pk] == 0
    said = _messages(response)
    assert said[0] == "Escalate: 1 ticket done, 2 refused."
    assert f"{open_ticket.number}: escalated to level 1." in said
    assert (
        f"{top.number}: not escalated. The ticket is already at the highest escalation level."
        in said
    )
    assert any(m.startswith(f"{closed.number}: not escalated. Not possible") for m in said)


def test_an_agent_may_transfer_only_their_own_tickets(login, agent, other_agent, supervisor):
    mine = make_ticket(actor=agent)
    theirs = make_ticket(actor=other_agent)
    response = _bulk(
        login(agent), "transfer_owner", [mine, theirs], owner=supervisor.pk, reason="Holiday"
    )
    owners = dict(Ticket.objects.values_list("pk", "owner__username"))
    assert owners == {mine.pk: "supervisor", theirs.pk: "agent2"}
    assert (
        f"{theirs.number}: not transferred. Only a supervisor or the current owner may "
        "transfer ownership." in _messages(response)
    )


def test_a_ticket_the_user_cannot_see_is_reported_not_found(login, agent, technician):
    hidden = make_ticket(actor=agent)
    technician.user.groups.add(*agent.groups.all())  # desk rights, but let the row vanish
    response = login(agent).post(
        BULK,
        {"action": "escalate", "ticket": ["999999:1", f"{hidden.pk}:1"], "reason": "x"},
        follow=True,
    )
    said = _messages(response)
    assert "A selected ticket no longer exists or is not yours to see." in said
    assert Ticket.objects.get(pk=hidden.pk).escalation_level == 1


def test_a_bulk_form_with_nothing_selected_or_no_owner_says_so_and_keeps_the_input(
    login, supervisor, agent
):
    ticket = make_ticket(actor=agent)
    client = login(supervisor)
    response = client.post(BULK, {"action": "escalate", "reason": "x", "list_query": ""})
    assert response.status_code == 400
    assert "Select at least one ticket." in _text(response)
    response = client.post(
        BULK,
        {"action": "transfer_owner", "ticket": [f"{ticket.pk}:1"], "reason": "Leave"},
    )
    assert response.status_code == 400
    page = _text(response)
    assert "Choose the new owner of the selected tickets." in page
    assert re.search(f'value="{ticket.pk}:1" form="bulk" data-bulk-row [^>]*checked', page)
    assert 'value="Leave"' in page
    assert Ticket.objects.get().owner == agent


def test_bulk_actions_are_offered_to_the_desk_only(login, auditor, technician, agent):
    make_ticket(actor=agent)
    assert 'id="bulk"' in _text(login(agent).get(URL))
    assert 'id="bulk"' not in _text(login(auditor).get(URL))
    assert 'id="bulk"' not in _text(login(technician.user).get(URL))


def test_a_technician_posting_a_bulk_action_is_refused_by_the_services(
    login, ticket_in, technician, agent
):
    job = ticket_in("dispatched")
    response = _bulk(login(technician.user), "escalate", [job], reason="Help")
    assert Ticket.objects.get(pk=job.pk).escalation_level == 0
    assert any("Your role may not do this" in m for m in _messages(response))


# --- The SLA badge --------------------------------------------------------------------------

NOW = timezone.now()


@pytest.mark.parametrize(
    ("reading", "english", "chinese", "state"),
    [
        (
            Countdown(
                "on_track",
                clock="response",
                due_at=NOW,
                left=2 * H + datetime.timedelta(minutes=10),
            ),
            "2 h 10 min left",
            "剩余 2 小时 10 分",
            "on_track",
        ),
        (
            Countdown("at_risk", clock="dispatch", due_at=NOW, left=datetime.timedelta(seconds=20)),
            "At risk · 1 min left",
            "即将超时 · 剩余 1 分",
            "at_risk",
        ),
        (
            Countdown("breached", clock="response", due_at=NOW, overdue=3 * H),
            "Breached 3 h ago",
            "已超时 3 小时",
            "breached",
        ),
        (Countdown("met"), "Met", "已达标", "met"),
        (
            Countdown("on_track", paused=True, clock="response", due_at=NOW, left=50 * H),
            "Paused · 2 d 2 h left",
            "已暂停 · 剩余 2 天 2 小时",
            "paused",
        ),
    ],
)
def test_the_sla_badge_says_its_state_in_words(reading, english, chinese, state):
    badge = sla_badge_data(reading)
    assert (badge["text"], badge["state"]) == (english, state)
    with translation.override("zh-hans"):
        assert sla_badge_data(reading)["text"] == chinese


def test_durations_read_in_whole_minutes():
    assert duration_text(datetime.timedelta(seconds=59)) == "1 min"
    assert duration_text(datetime.timedelta(minutes=59, seconds=59)) == "59 min"
    assert duration_text(datetime.timedelta(minutes=59, seconds=1), round_up=True) == "1 h"
    assert duration_text(datetime.timedelta(days=3)) == "3 d"


def test_the_list_shows_each_tickets_countdown(login, agent):
    late = make_ticket(actor=agent)
    Ticket.objects.filter(pk=late.pk).update(
        response_warn_at=timezone.now() - 5 * H, response_due_at=timezone.now() - 3 * H
    )
    page = _text(login(agent).get(URL))
    badge = r'class="badge sla sla-breached" data-sla="breached" title="Response due [^"]+">'
    assert re.search(badge + "Breached 3 h ago", page)


def test_the_list_speaks_chinese(login, agent):
    make_ticket(actor=agent)
    client = login(agent)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    page = _text(client.get(URL))
    for label in (
        "我的未结工单",
        "待评估",
        "待派工",
        "即将超时",
        "已超时",
        "待客户确认",
        "待回访",
        "全部",
        "剩余",
    ):
        assert label in page, label
