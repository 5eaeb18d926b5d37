"""``Ticket.repeat_visit``, kept by PostgreSQL triggers (migration 0035) whatever writes
the tickets, equals its definition (``tickets.selectors.repeat_visit_probe``) after random
histories of intakes, completions, reopenings, product corrections and moved opening
times, at the 30-day window's edges; and two transactions at once (a completion and
a new ticket for the same product) never both miss each other."""

import datetime
import threading

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from technicians.selectors import ranking_performance
from tests.tickets.factories import ProductFactory, make_ticket
from tickets.models import Ticket
from tickets.selectors import REPEAT_WINDOW, repeat_visit_probe

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 13, tzinfo=datetime.UTC)
# Instants on a grid of days, and a second after: completions and openings fall exactly on
# the window's edge (30 days after a completion counts, a second more does not) often.
INSTANTS = st.tuples(st.integers(0, 45), st.sampled_from([0, 0, 1])).map(
    lambda t: START + datetime.timedelta(days=t[0], seconds=t[1])
)
TICKET = st.integers(0, 7)  # which of the tickets opened (modulo their number)
PRODUCT = st.sampled_from([1, 1, 2, 0])  # 0: no product
# A history: tickets opened (some written already completed, as an import or a late
# offline sync writes them), then changes to them in any order.
histories = st.tuples(
    st.lists(st.tuples(PRODUCT, INSTANTS, st.none() | INSTANTS), min_size=2, max_size=8),
    st.lists(
        st.one_of(
            st.tuples(st.just("complete"), TICKET, INSTANTS),
            st.tuples(st.just("reopen"), TICKET, st.none()),
            st.tuples(st.just("correct"), TICKET, PRODUCT),
            st.tuples(st.just("backdate"), TICKET, INSTANTS),
        ),
        max_size=8,
    ),
)


class Rollback(Exception):
    pass


@pytest.fixture
def products():
    customer_product = ProductFactory()
    return [None, customer_product, ProductFactory(customer=customer_product.customer)]


def _probed():
    """Completed ticket id → the definition's answer."""
    return dict(
        Ticket.objects.annotate(probe=repeat_visit_probe())
        .filter(completed_at__isnull=False)
        .values_list("pk", "probe")
    )


def _open(agent, products, pick, created_at, completed_at):
    ticket = make_ticket(actor=agent, product=products[pick], customer=products[1].customer)
    # The intake stamps the opening now; the history's instants are in March.
    Ticket.objects.filter(pk=ticket.pk).update(created_at=created_at, completed_at=completed_at)
    return ticket.pk


def _change(operation, products, tickets):
    action, pick, *rest = operation
    rows = Ticket.objects.filter(pk=tickets[pick % len(tickets)])
    if action == "complete":
        rows.update(completed_at=rest[0])
    elif action == "reopen":
        rows.update(completed_at=None)
    elif action == "correct":
        rows.update(product=products[rest[0]])
    elif action == "backdate":
        rows.update(created_at=rest[0])


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories)
def test_the_kept_mark_equals_the_probe_after_random_histories(agent, products, history):
    try:
        with transaction.atomic():
            opened, changes = history
            tickets = [_open(agent, products, *ticket) for ticket in opened]
            for change in changes:
                _change(change, products, tickets)
            probed = _probed()
            kept = dict(
                Ticket.objects.filter(completed_at__isnull=False).values_list("pk", "repeat_visit")
            )
            assert kept == probed, history
            # A ticket not completed is never marked.
            assert not Ticket.objects.filter(completed_at=None, repeat_visit=True).exists()
            raise Rollback
    except Rollback:
        pass


def _job(agent, product, *, completed_at):
    job = make_ticket(actor=agent, product=product)
    Ticket.objects.filter(pk=job.pk).update(
        created_at=completed_at - datetime.timedelta(days=2), completed_at=completed_at
    )
    return job


def test_the_window_ends_thirty_days_after_the_completion_inclusive(agent, products):
    second = datetime.timedelta(seconds=1)
    jobs = []
    for product, after in ((products[1], REPEAT_WINDOW), (products[2], REPEAT_WINDOW + second)):
        jobs.append(_job(agent, product, completed_at=START))
        later = make_ticket(actor=agent, product=product)
        Ticket.objects.filter(pk=later.pk).update(created_at=START + after)
    assert [Ticket.objects.get(pk=job.pk).repeat_visit for job in jobs] == [True, False]


def test_a_corrected_or_moved_ticket_unmarks_the_job_it_no_longer_follows(agent, products):
    job = _job(agent, products[1], completed_at=START)
    later = Ticket.objects.filter(pk=make_ticket(actor=agent, product=products[1]).pk)
    marks = []
    for change in (
        {"created_at": START + datetime.timedelta(days=3)},  # a repeat visit
        {"product": products[2]},  # it was about the other unit
        {"product": products[1]},  # no, this one after all
        {"created_at": START + datetime.timedelta(days=31)},  # opened after the window
        {"created_at": START - datetime.timedelta(days=1)},  # before the completion
    ):
        later.update(**change)
        marks.append(Ticket.objects.get(pk=job.pk).repeat_visit)
    assert marks == [True, False, True, False, False]


def test_a_new_ticket_marks_the_product_s_recent_job_and_the_ranking_counts_it(
    agent, products, technician
):
    # As the services write it: completed now, a new ticket for the unit a day later.
    now = datetime.datetime.now(datetime.UTC)
    job = _job(agent, products[1], completed_at=now - datetime.timedelta(days=1))
    Ticket.objects.filter(pk=job.pk).update(technician=technician, closed_at=now)
    window = {"start": now - datetime.timedelta(days=90), "end": now + datetime.timedelta(hours=1),
              "technician_ids": [technician.pk], "area_id": None}  # fmt: skip
    assert ranking_performance(**window)[technician.pk]["first_time_fix_rate"] == 1.0
    make_ticket(actor=agent, product=products[1])  # the customer calls again
    job.refresh_from_db()
    assert job.repeat_visit is True
    assert ranking_performance(**window)[technician.pk]["first_time_fix_rate"] == 0.0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["completion", "new ticket"])
def test_a_completion_and_a_new_ticket_at_once_do_not_both_miss_each_other(agent, first):
    """The write skew the product's row lock closes: the completion's probe does not see
    an uncommitted new ticket, the new ticket's marking does not see an uncommitted
    completion. With the lock, whichever goes second waits for the first to commit and
    then sees it."""
    product = ProductFactory()
    job = make_ticket(actor=agent, product=product)
    now = datetime.datetime.now(datetime.UTC)
    Ticket.objects.filter(pk=job.pk).update(created_at=now - datetime.timedelta(days=3))

    def complete():
        Ticket.objects.filter(pk=job.pk).update(completed_at=now)

    def call_again():
        make_ticket(actor=agent, product=product)

    steps = {"completion": complete, "new ticket": call_again}
    second = steps.pop("completion" if first == "new ticket" else "new ticket")
    written = threading.Event()

    def hold_open():
        try:
            with transaction.atomic():
                steps[first]()
                written.set()
                with connection.cursor() as cursor:  # still uncommitted meanwhile
                    cursor.execute("SELECT pg_sleep(0.5)")
        finally:
            connection.close()

    worker = threading.Thread(target=hold_open)
    worker.start()
    assert written.wait(10)
    second()  # its trigger waits on the product's lock until the first commits
    worker.join(10)
    assert not worker.is_alive()
    job.refresh_from_db()
    assert Ticket.objects.filter(product=product).count() == 2
    assert job.repeat_visit is True
