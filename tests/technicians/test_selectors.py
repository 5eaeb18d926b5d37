"""Dispatch candidates: who may go, in which order, and why."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from technicians.selectors import dispatch_candidates
from technicians.services import eligibility_reasons
from tests.tickets.factories import (
    AreaFactory,
    CustomerFactory,
    TechnicianFactory,
    appointment,
    make_ticket,
)
from tickets import services

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


def test_eligibility_reasons_lists_every_reason_against():
    class Tech:
        active = False
        max_jobs_per_day = 2

    assert eligibility_reasons(technician=Tech(), area_ids={1}, ticket_area_id=2, booked=2) == [
        "inactive",
        "area_not_covered",
        "day_full",
    ]
    Tech.active = True
    assert eligibility_reasons(technician=Tech(), area_ids={2}, ticket_area_id=2, booked=1) == []


def test_dispatch_candidates_rank_fewest_jobs_first_and_explain_the_rest(agent, supervisor):
    area, elsewhere = AreaFactory(code="pudong"), AreaFactory(code="xuhui", name="Xuhui")
    busy = TechnicianFactory(employee_no="T1", areas=[area], max_jobs_per_day=3)
    TechnicianFactory(employee_no="T2", areas=[area])
    full = TechnicianFactory(employee_no="T3", areas=[area], max_jobs_per_day=1)
    TechnicianFactory(employee_no="T4", areas=[elsewhere])
    TechnicianFactory(employee_no="T5", areas=[area], active=False)
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
        ("T2", True, 1, ["jobs_booked:0/6"]),
        ("T1", True, 2, ["jobs_booked:1/3"]),
        ("T3", False, None, ["day_full"]),
        ("T4", False, None, ["area_not_covered"]),
    ]
    # Another day: the booked technicians are free again and rank by employee number.
    other_day = [
        c["technician"].employee_no
        for c in dispatch_candidates(ticket=ticket, day=day + datetime.timedelta(days=1))
        if c["eligible"]
    ]
    assert other_day == ["T1", "T2", "T3"]


def test_dispatch_candidates_run_in_constant_queries(agent):
    area = AreaFactory()
    ticket = make_ticket(actor=agent, customer=CustomerFactory(area=area))
    TechnicianFactory.create_batch(3, areas=[area])
    with CaptureQueriesContext(connection) as few:
        dispatch_candidates(ticket=ticket, day=timezone.localdate())
    TechnicianFactory.create_batch(30, areas=[area])
    with CaptureQueriesContext(connection) as many:
        assert len(dispatch_candidates(ticket=ticket, day=timezone.localdate())) == 33
    assert len(few) == len(many) == 3


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
