"""Dispatch candidates: who may go, in which order, and why."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from technicians.models import Certification, Technician
from technicians.selectors import (
    dispatch_candidates,
    rank_key,
    technician_eligibility,
    technician_performance,
)
from tests.tickets.factories import (
    AreaFactory,
    CertificationTypeFactory,
    CustomerFactory,
    ProductFactory,
    TechnicianFactory,
    advance,
    appointment,
    make_ticket,
)
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _book(ticket, *, actor, supervisor, technician, day_offset=1, hour=9):
    ticket = services.ticket_triage(
        ticket=ticket, actor=actor, priority="p3", warranty_decision="out_of_warranty"
    )
    start, end = appointment(days=day_offset, hour=hour, hours=1)
    return services.ticket_dispatch(
        ticket=ticket,
        actor=supervisor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )


def _history(
    ticket, *, desk, supervisor, technician, days_ago, satisfaction, travel_minutes, status="closed"
):
    """A job done ``days_ago`` days ago: walked through the services, then moved back in time."""
    ticket = advance(ticket, status, desk=desk, supervisor=supervisor, technician=technician)
    when = timezone.now() - datetime.timedelta(days=days_ago)
    Ticket.objects.filter(pk=ticket.pk).update(
        appointment_start=when,
        appointment_end=when + datetime.timedelta(hours=2),
        dispatched_at=when - datetime.timedelta(hours=1),
        on_site_at=when - datetime.timedelta(hours=1) + datetime.timedelta(minutes=travel_minutes),
        satisfaction=satisfaction,
    )
    return ticket


def test_dispatch_candidates_rank_by_load_then_quality_then_area_and_explain(agent, supervisor):
    area, elsewhere = AreaFactory(code="pudong"), AreaFactory(code="xuhui", name="Xuhui")
    busy = TechnicianFactory(employee_no="T1", areas=[area], max_jobs_per_day=3)
    good = TechnicianFactory(employee_no="T2", areas=[area])
    fair = TechnicianFactory(employee_no="T3", areas=[area])
    TechnicianFactory(employee_no="T4", areas=[area])  # no history
    full = TechnicianFactory(employee_no="T5", areas=[area], max_jobs_per_day=1)
    TechnicianFactory(employee_no="T6", areas=[elsewhere])
    TechnicianFactory(employee_no="T7", areas=[area], certified_for=[])
    for technician, satisfaction in ((good, 5), (fair, 3), (busy, 5)):
        _history(
            make_ticket(actor=agent, customer=CustomerFactory(area=area)),
            desk=agent,
            supervisor=supervisor,
            technician=technician,
            days_ago=10,
            satisfaction=satisfaction,
            travel_minutes=45,
        )
    _book(
        make_ticket(actor=agent, customer=CustomerFactory(area=area)),
        actor=agent,
        supervisor=supervisor,
        technician=busy,
    )
    _book(
        make_ticket(actor=agent, customer=CustomerFactory(area=area)),
        actor=agent,
        supervisor=supervisor,
        technician=full,
        hour=11,
    )
    ticket = make_ticket(actor=agent, customer=CustomerFactory(area=area))

    day = timezone.localdate() + datetime.timedelta(days=1)
    result = [
        (c["technician"].employee_no, c["eligible"], c["rank"], c["reasons"])
        for c in dispatch_candidates(ticket=ticket, day=day)
    ]
    assert result == [
        (
            "T2",
            True,
            1,
            [
                "jobs_booked:0/6",
                "first_time_fix:100%",
                "satisfaction:5.0",
                "area_jobs:1",
                "training_incomplete",
            ],
        ),
        (
            "T3",
            True,
            2,
            [
                "jobs_booked:0/6",
                "first_time_fix:100%",
                "satisfaction:3.0",
                "area_jobs:1",
                "training_incomplete",
            ],
        ),
        (
            "T4",
            True,
            3,
            [
                "jobs_booked:0/6",
                "first_time_fix:none",
                "satisfaction:none",
                "area_jobs:0",
                "training_incomplete",
            ],
        ),
        (
            "T1",
            True,
            4,
            [
                "jobs_booked:1/3",
                "first_time_fix:100%",
                "satisfaction:5.0",
                "area_jobs:1",
                "training_incomplete",
            ],
        ),
        ("T5", False, None, ["day_full"]),
        ("T6", False, None, ["area_not_covered"]),
        ("T7", False, None, ["not_certified"]),
    ]
    # Asked again: the same order (the ranking is total: employee number breaks ties).
    again = [c["technician"].employee_no for c in dispatch_candidates(ticket=ticket, day=day)]
    assert again == [row[0] for row in result]


def test_rank_key_breaks_every_tie_in_the_documented_order():
    def key(booked=0, ftf=0.9, sat=4.5, area=3, no="T1"):
        return rank_key(
            booked=booked, first_time_fix=ftf, satisfaction=sat, area_jobs=area, employee_no=no
        )

    ordered = [
        key(),
        key(area=2),
        key(sat=4.0),
        key(sat=None),
        key(ftf=0.5),
        key(ftf=None),
        key(booked=1, ftf=1.0, sat=5.0, area=9),
    ]
    shuffled = [ordered[i] for i in (6, 2, 0, 5, 3, 1, 4)]
    assert sorted(shuffled) == ordered
    assert key(no="T1") < key(no="T2")


def _bulk_technicians(count, area, category_code="aircon"):
    """``count`` certified technicians covering ``area``, inserted in bulk (not one by one)."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bulk{n}") for n in range(count)
    )
    technicians = Technician.objects.bulk_create(
        Technician(user=u, full_name=f"Bulk {n}", employee_no=f"B{n:05d}", phone="1")
        for n, u in enumerate(users)
    )
    Technician.areas.through.objects.bulk_create(
        Technician.areas.through(technician=t, area=area) for t in technicians
    )
    cert_type = CertificationTypeFactory.for_category(category_code)
    today = timezone.localdate()
    Certification.objects.bulk_create(
        Certification(
            technician=t,
            type=cert_type,
            number=f"BULK-{t.pk}",
            issued_on=today - datetime.timedelta(days=100),
            expires_on=today + datetime.timedelta(days=100),
        )
        for t in technicians
    )
    return technicians


def test_dispatch_candidates_among_2000_technicians_run_in_constant_queries(agent, supervisor):
    area = AreaFactory()
    ticket = make_ticket(actor=agent, product=ProductFactory(customer__area=area))
    TechnicianFactory.create_batch(3, areas=[area])
    with CaptureQueriesContext(connection) as few:
        assert len(dispatch_candidates(ticket=ticket, day=timezone.localdate())) == 3
    _bulk_technicians(2_000 - 3, area)
    with CaptureQueriesContext(connection) as many:
        candidates = dispatch_candidates(ticket=ticket, day=timezone.localdate())
    assert len(candidates) == 2_000
    assert all(c["eligible"] for c in candidates)
    # The technicians with their eligibility facts (one query), the day's bookings of
    # everyone (one), the training hours of the eligible (one), the ranking (one).
    assert len(few) == len(many) == 4


@pytest.mark.parametrize("blocks", [False, True])
def test_dispatch_candidates_judge_training_as_a_single_dispatch_does(
    agent, supervisor, settings, blocks
):
    """The ranked list reads the training year's hours after the other facts: of the
    otherwise eligible only (the reason shown beside them), or of everyone when training
    blocks dispatch. Either way each row says what ``technician_eligibility`` says."""
    from technicians.services import training_record_create

    settings.TRAINING_BLOCKS_DISPATCH = blocks
    area, elsewhere = AreaFactory(code="pudong"), AreaFactory(code="xuhui", name="Xuhui")
    trained = TechnicianFactory(employee_no="T1", areas=[area])
    untrained = TechnicianFactory(employee_no="T2", areas=[area])
    away = TechnicianFactory(employee_no="T3", areas=[elsewhere])
    training_record_create(
        actor=supervisor, technician=trained, course="Refrigerant handling",
        completed_on=timezone.localdate() - datetime.timedelta(days=30),
        theory_hours=20, practical_hours=10,
    )  # fmt: skip
    ticket = make_ticket(actor=agent, customer=CustomerFactory(area=area))
    day = timezone.localdate() + datetime.timedelta(days=1)
    with CaptureQueriesContext(connection) as queries:
        rows = {c["technician"].pk: c for c in dispatch_candidates(ticket=ticket, day=day)}
    assert len(queries) == 4
    start, end = appointment(days=1)
    for technician in (trained, untrained, away):
        refused = technician_eligibility(technician=technician, ticket=ticket, start=start, end=end)
        row = rows[technician.pk]
        assert row["eligible"] == (not refused)
        if refused:
            assert row["reasons"] == refused
    incomplete = "training_incomplete"
    assert incomplete not in rows[trained.pk]["reasons"]
    assert incomplete in rows[untrained.pk]["reasons"]
    assert rows[untrained.pk]["eligible"] is not blocks
    assert (incomplete in rows[away.pk]["reasons"]) is blocks


def test_dispatch_candidates_count_the_days_bookings_as_a_single_dispatch_does(agent, supervisor):
    """The ranked list reads every technician's bookings of the day at once; a single
    dispatch asks per technician (``technician_eligibility``). Both count the same jobs:
    that day's, not another day's, not a cancelled one, not the ticket's own."""
    area = AreaFactory()
    busy = TechnicianFactory(employee_no="T1", areas=[area], max_jobs_per_day=2)
    other = TechnicianFactory(employee_no="T2", areas=[area], max_jobs_per_day=2)
    book = {"actor": agent, "supervisor": supervisor}

    def job(technician, **when):
        return _book(make_ticket(actor=agent, customer=CustomerFactory(area=area)),
                     technician=technician, **book, **when)  # fmt: skip

    job(busy, hour=9)
    job(busy, day_offset=2, hour=9)  # another day
    cancelled = job(busy, hour=11)
    services.ticket_cancel(ticket=cancelled, actor=supervisor, reason="Customer withdrew")
    job(other, hour=9)
    rebooked = job(other, hour=11)  # the ticket asked about: its own booking
    day = timezone.localdate() + datetime.timedelta(days=1)

    def listed(ticket):
        return {c["technician"].employee_no: c["reasons"]
                for c in dispatch_candidates(ticket=ticket, day=day)}  # fmt: skip

    fresh = make_ticket(actor=agent, customer=CustomerFactory(area=area))
    assert listed(fresh)["T1"][0] == "jobs_booked:1/2"
    assert listed(fresh)["T2"] == ["day_full"]
    assert listed(rebooked)["T2"][0] == "jobs_booked:1/2"
    start, end = appointment(days=1, hour=14, hours=1)
    for ticket, technician, reasons in (
        (fresh, busy, []), (fresh, other, ["day_full"]), (rebooked, other, []),
    ):  # fmt: skip
        assert (
            technician_eligibility(technician=technician, ticket=ticket, start=start, end=end)
            == reasons
        )


def test_technician_performance_matches_hand_computed_figures(agent, supervisor):
    area = AreaFactory(code="pudong")
    technician = TechnicianFactory(areas=[area])
    product = ProductFactory(customer__area=area)
    kwargs = {"desk": agent, "supervisor": supervisor, "technician": technician, "days_ago": 5}
    _history(
        make_ticket(actor=agent, product=ProductFactory(customer__area=area)),
        satisfaction=5,
        travel_minutes=60,
        **kwargs,
    )
    _history(make_ticket(actor=agent, product=product), satisfaction=3, travel_minutes=30, **kwargs)
    make_ticket(actor=agent, product=product, category="complaint")  # a repeat, and a complaint
    _history(
        make_ticket(actor=agent, product=ProductFactory(customer__area=area)),
        satisfaction=None,
        travel_minutes=90,
        status="awaiting_confirmation",
        **kwargs,
    )
    TechnicianFactory(areas=[area])  # someone else, no jobs

    start = timezone.now() - datetime.timedelta(days=1)
    stats = technician_performance(
        start=start, end=timezone.now() + datetime.timedelta(hours=1), area_id=area.pk
    )
    assert stats == {
        technician.pk: {
            "jobs_done": 3,
            "closed_jobs": 2,
            "avg_dispatch_to_on_site_minutes": 60.0,
            "first_time_fix_rate": 0.5,
            "avg_satisfaction": 4.0,
            "complaints": 1,
            "area_jobs": 3,
        }
    }
    # Jobs completed outside the period do not count.
    assert technician_performance(start=start - datetime.timedelta(days=9), end=start) == {}


def test_dispatch_candidates_api_is_for_the_desk_and_validates_date(
    agent, agent_client, technician_client, integrator_client
):
    ticket = make_ticket(actor=agent)
    url = f"/api/v1/tickets/{ticket.pk}/dispatch-candidates/"
    response = agent_client.get(url, {"date": "2026-12-01"})
    assert response.status_code == 200
    assert {"technician", "eligible", "rank", "reasons"} <= set(response.data[0])
    assert set(response.data[0]["technician"]) == {"id", "full_name", "employee_no"}
    assert agent_client.get(url, {"date": "not-a-date"}).status_code == 400
    assert technician_client.get(url).status_code in (403, 404)
    assert integrator_client.get(url).status_code in (403, 404)
