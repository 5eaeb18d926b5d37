"""The dashboard: right figures, three queries, cached until a ticket changes."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tickets import services
from tickets.models import Ticket
from tickets.selectors import dashboard_summary

from .factories import make_ticket

pytestmark = pytest.mark.django_db


def test_dashboard_counts_the_open_backlog_its_sla_and_today(ticket_in, agent):
    new = ticket_in("new")
    ticket_in("triaged")
    ticket_in("dispatched")
    ticket_in("closed")
    ticket_in("cancelled")
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    # One open ticket past its response warning, one past its due time.
    Ticket.objects.filter(pk=new.pk).update(response_warn_at=now - hour, response_due_at=now + hour)
    breached = make_ticket(actor=agent, priority="p1")
    Ticket.objects.filter(pk=breached.pk).update(
        response_warn_at=now - 3 * hour, response_due_at=now - hour
    )
    services.ticket_escalate(ticket=breached, actor=agent, reason="Late")

    summary = dashboard_summary(now=now)

    assert summary["open"]["total"] == 4
    assert summary["open"]["by_status"] == {
        "new": 2, "triaged": 1, "dispatched": 1, "on_site": 0, "awaiting_confirmation": 0,
    }  # fmt: skip
    assert summary["open"]["by_priority"]["p1"] == 1
    assert sum(summary["open"]["by_priority"].values()) == 4
    assert summary["open"]["at_risk"] == 1
    assert summary["open"]["breached"] == 1
    assert summary["open"]["escalated"] == 1
    assert summary["today"] == {"opened": 6, "closed": 1}


def test_dashboard_runs_three_queries_whatever_the_data(agent):
    make_ticket(actor=agent)
    with CaptureQueriesContext(connection) as few:
        dashboard_summary(now=timezone.now())
    for _ in range(20):
        make_ticket(actor=agent)
    with CaptureQueriesContext(connection) as many:
        dashboard_summary(now=timezone.now())
    assert len(few) == len(many) == 3


def test_dashboard_is_cached_until_a_ticket_changes(agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(actor=agent)
    first = dashboard_summary()
    with CaptureQueriesContext(connection) as cached:
        assert dashboard_summary() == first
    assert len(cached) == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_triage(
            ticket=ticket, actor=agent, priority="p2", warranty_decision="out_of_warranty"
        )
    after = dashboard_summary()
    assert after["open"]["by_status"]["triaged"] == first["open"]["by_status"]["triaged"] + 1
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(actor=agent)
    assert dashboard_summary()["open"]["total"] == first["open"]["total"] + 1


@pytest.mark.parametrize(
    ("client_name", "status"),
    [
        ("agent_client", 200),
        ("supervisor_client", 200),
        ("auditor_client", 200),
        ("technician_client", 403),
        ("integrator_client", 403),
        ("anon_client", 401),
    ],
)
def test_dashboard_api_is_for_desk_and_auditors(request, client_name, status):
    response = request.getfixturevalue(client_name).get("/api/v1/reports/dashboard/")
    assert response.status_code == status
    if status == 200:
        assert set(response.data) == {"generated_at", "open", "today"}


def test_dashboard_page_renders_links_in_both_languages(client, supervisor, agent, technician):
    make_ticket(actor=agent)
    client.force_login(supervisor)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert "SLA breached" in page.content.decode()
    assert "/tickets/?view=breached" in page.content.decode()
    page = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.cookies["django_language"] = "zh-hans"
    assert "新建" in client.get("/dashboard/").content.decode()
    client.force_login(technician.user)
    assert client.get("/dashboard/").status_code == 403
