"""The ticket list's reads (tickets.listing): which tickets each saved view holds and its
count, the sort keys, and keyset pages that neither repeat nor skip a row."""

import datetime

import pytest
from django.utils import timezone

from aftersales.roles import Role
from tests.tickets.factories import CustomerFactory, make_ticket
from tickets.listing import (
    COUNT_CAP,
    SAVED_VIEWS,
    SORT_KEYS,
    cursor_decode,
    cursor_encode,
    keyset_page,
    parse_sort,
    saved_view,
    saved_view_counts,
    saved_view_q,
)
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)


@pytest.fixture
def queue(agent, other_agent, ticket_in):
    """One ticket for each queue, named by what it is."""
    now = timezone.now()
    t = {
        "new": ticket_in("new"),
        "triaged": ticket_in("triaged"),
        "dispatched": ticket_in("dispatched"),
        "awaiting": ticket_in("awaiting_confirmation"),
        "closed_due": ticket_in("closed"),
        "closed_later": ticket_in("closed"),
        "closed_legacy": ticket_in("closed"),
        "followed_up": ticket_in("followed_up"),
        "cancelled": ticket_in("cancelled"),
        "theirs": make_ticket(actor=other_agent),
        "at_risk": make_ticket(actor=other_agent),
        "breached": make_ticket(actor=other_agent),
    }
    Ticket.objects.filter(pk=t["closed_due"].pk).update(follow_up_due_at=now - H)
    Ticket.objects.filter(pk=t["closed_legacy"].pk).update(follow_up_due_at=None)
    Ticket.objects.filter(pk=t["at_risk"].pk).update(
        response_warn_at=now - H, response_due_at=now + H
    )
    Ticket.objects.filter(pk=t["breached"].pk).update(
        response_warn_at=now - 3 * H, response_due_at=now - 2 * H
    )
    return now, t


EXPECTED = {
    "mine": {"new", "triaged", "dispatched", "awaiting"},
    "to_triage": {"new", "theirs", "at_risk", "breached"},
    "to_dispatch": {"triaged"},
    "at_risk": {"at_risk"},
    "breached": {"breached"},
    "awaiting_confirmation": {"awaiting"},
    "follow_ups_due": {"closed_due", "closed_legacy"},
}


def _held(view, user, now, tickets):
    ids = set(
        Ticket.objects.visible_to(user)
        .filter(saved_view_q(saved_view(view), user=user, now=now))
        .values_list("pk", flat=True)
    )
    return {name for name, ticket in tickets.items() if ticket.pk in ids}


@pytest.mark.parametrize("view", sorted(EXPECTED))
def test_each_saved_view_holds_its_tickets(queue, agent, view):
    now, tickets = queue
    assert _held(view, agent, now, tickets) == EXPECTED[view]


def test_all_holds_every_ticket_and_has_no_count(queue, agent):
    now, tickets = queue
    assert _held("all", agent, now, tickets) == set(tickets)
    assert "all" not in saved_view_counts(user=agent, now=now)


def test_the_counts_are_the_views_sizes_in_two_queries(queue, agent, django_assert_num_queries):
    now, _tickets = queue
    with django_assert_num_queries(2):
        counts = saved_view_counts(user=agent, now=now)
    assert counts == {view: len(names) for view, names in EXPECTED.items()}
    assert set(counts) == {v.slug for v in SAVED_VIEWS if v.counted}


def test_a_technician_counts_only_their_jobs(queue, technician):
    now, tickets = queue
    counts = saved_view_counts(user=technician.user, now=now)
    # ticket_in dispatches every ticket it walks past triage to this technician.
    assert counts["mine"] == 2  # dispatched and awaiting confirmation: assigned to them
    assert counts["to_triage"] == counts["to_dispatch"] == 0
    assert counts["follow_ups_due"] == 2
    assert _held("mine", technician.user, now, tickets) == {"dispatched", "awaiting"}


def test_an_unknown_view_is_all():
    assert saved_view("nonsense").slug == "all"
    assert saved_view(None).slug == "all"


def test_follow_ups_due_are_counted_up_to_the_cap(agent, monkeypatch):
    import tickets.listing as listing

    monkeypatch.setattr(listing, "COUNT_CAP", 2)
    now = timezone.now()
    for _ in range(4):
        Ticket.objects.filter(pk=make_ticket(actor=agent).pk).update(
            status="closed", follow_up_due_at=now - H
        )
    assert saved_view_counts(user=agent, now=now)["follow_ups_due"] == 3  # 2+ shown
    assert COUNT_CAP == 999


# --- Sorting and keyset pages ----------------------------------------------------------


@pytest.fixture
def mixed(agent, other_agent, make_user, ticket_in):
    """Fourteen tickets with ties on every key: priorities, statuses, customers, owners,
    and three received at the same instant."""
    third = make_user(Role.SUPERVISOR, username="aaa-first")
    shared = CustomerFactory(name="Zhang San")
    same_name = CustomerFactory(name="Zhang San")
    rows = []
    for i in range(10):
        owner = (agent, other_agent, third)[i % 3]
        customer = (shared, same_name, None)[i % 3]
        rows.append(
            make_ticket(actor=owner, customer=customer, priority=("p1", "p3", "p3", "p4")[i % 4])
        )
    rows += [ticket_in("triaged"), ticket_in("dispatched"), ticket_in("closed"), ticket_in("new")]
    instant = timezone.now() - datetime.timedelta(days=1)
    Ticket.objects.filter(pk__in=[t.pk for t in rows[:3]]).update(created_at=instant)
    return rows


def _walk(queryset, key, descending, size):
    """Every page forwards from the first, then every page backwards from the last."""
    pages, after = [], None
    while True:
        page = keyset_page(queryset, key=key, descending=descending, size=size, after=after)
        pages.append([t.pk for t in page.rows])
        if page.next_cursor is None:
            break
        after = cursor_decode(page.next_cursor, key)
    back, before = [], cursor_decode(page.previous_cursor, key)
    while before is not None:
        page = keyset_page(queryset, key=key, descending=descending, size=size, before=before)
        back.insert(0, [t.pk for t in page.rows])
        before = cursor_decode(page.previous_cursor, key)
    return pages, back


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("sort", sorted(SORT_KEYS))
def test_keyset_pages_neither_repeat_nor_skip_a_ticket(mixed, agent, sort, descending):
    key = SORT_KEYS[sort]
    queryset = Ticket.objects.visible_to(agent).with_related()
    names = [f"k{i}" for i in range(len(key.columns))]
    expected = list(
        queryset.annotate(**{n: e for n, (e, _p) in zip(names, key.columns, strict=True)})
        .order_by(*[f"-{n}" if descending else n for n in names])
        .values_list("pk", flat=True)
    )
    assert len(expected) == 14
    pages, back = _walk(queryset, key, descending, size=4)
    assert [len(p) for p in pages] == [4, 4, 4, 2]
    assert [pk for page in pages for pk in page] == expected
    # Backwards from the last page: the same pages (the first is a full first page).
    assert [pk for page in back for pk in page] + pages[-1] == expected


def test_the_sort_keys_order_as_a_person_expects(mixed, agent):
    queryset = Ticket.objects.visible_to(agent).with_related()

    def order(sort):
        key, descending = parse_sort(sort, default="-created")
        return keyset_page(queryset, key=key, descending=descending, size=50).rows

    priorities = [t.priority for t in order("priority")]
    assert priorities == sorted(priorities) and priorities[0] == "p1"
    lifecycle = ["new", "triaged", "dispatched", "closed"]
    statuses = [t.status for t in order("status")]
    assert [s for i, s in enumerate(statuses) if s not in statuses[:i]] == lifecycle
    names = [t.customer.name for t in order("customer")]
    assert names == sorted(names)
    owners = [t.owner.username for t in order("-owner")]
    assert owners == sorted(owners, reverse=True)
    # Soonest deadline first; tickets whose clocks all stopped (dispatched, closed) last.
    due = order("sla_due")
    assert {t.status for t in due[-2:]} == {"dispatched", "closed"}
    running = [t.sla_countdown().due_at for t in due[:-2]]
    assert running == sorted(running)
    created = [(t.created_at, t.pk) for t in order("-created")]
    assert created == sorted(created, reverse=True)


def test_parse_sort_falls_back_to_the_default():
    assert parse_sort("-priority", default="created") == (SORT_KEYS["priority"], True)
    assert parse_sort("nonsense", default="sla_due") == (SORT_KEYS["sla_due"], False)
    assert parse_sort("", default="-created") == (SORT_KEYS["created"], True)


def test_a_cursor_round_trips_and_a_forged_one_is_ignored():
    key = SORT_KEYS["created"]
    at = timezone.now()
    assert cursor_decode(cursor_encode([at, 7]), key) == [at, 7]
    for forged in ("", "%%%", "bm9wZQ", cursor_encode([1]), cursor_encode(["x", "y"])):
        assert cursor_decode(forged, key) is None
