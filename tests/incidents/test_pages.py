"""The incident pages: list (open first, constant queries), declare, the incident page's
forms in each mode (DB checked), the ticket page's banner and its link form, roles."""

import pytest
from django.test import Client

from aftersales.platform.models import Notification
from tests.tickets.factories import CustomerFactory
from tickets.incidents import services
from tickets.incidents.models import Incident, IncidentNotice, IncidentReview, IncidentTicket

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(supervisor):
    client = Client()
    client.force_login(supervisor)
    return client


def _post(client, incident, form, **data):
    return client.post(f"/incidents/{incident.pk}/", {"form": form, **data})


def test_declare_then_the_list_shows_open_first(desk, declare, supervisor):
    closed = declare(title="Old flood", grade="general")
    for step in (services.incident_respond, services.incident_handle, services.incident_close):
        closed = step(incident=closed, actor=supervisor)
    response = desk.post(
        "/incidents/new/", {"title": "Batch failure", "grade": "critical", "description": "x"}
    )
    incident = Incident.objects.get(title="Batch failure")
    assert response.status_code == 302 and response.url == f"/incidents/{incident.pk}/"
    assert incident.grade == "critical" and incident.declared_by == supervisor
    page = desk.get("/incidents/").content.decode()
    assert page.index("Batch failure") < page.index("Old flood")
    assert "Critical" in page and "due in" in page
    bad = desk.post("/incidents/new/", {"title": "", "grade": "critical"})
    assert bad.status_code == 400


def test_the_list_runs_constant_queries(desk, declare, django_assert_max_num_queries):
    for i in range(8):
        declare(title=f"Incident {i}")
    with django_assert_max_num_queries(12):
        assert desk.get("/incidents/").status_code == 200


def test_the_desk_reads_but_only_supervisors_declare_and_write(agent, declare):
    incident = declare()
    client = Client()
    client.force_login(agent)
    assert client.get("/incidents/").status_code == 200
    assert client.get(f"/incidents/{incident.pk}/").status_code == 200
    assert client.get("/incidents/new/").status_code == 403
    assert _post(client, incident, "stage", **{"stage-version": 1}).status_code == 403


def test_every_form_of_the_incident_page(desk, declare, world):
    customer = CustomerFactory(area=world["a1"], email="c@example.com")
    t1 = world["ticket"](world["m1"], world["a1"], customer=customer)
    world["ticket"](world["m1"], world["a1"], customer=customer)
    other = world["ticket"](world["m2"], world["a2"])
    incident = declare()
    rule = {"rule-product_models": "KFR-35", "rule-areas": "pudong"}
    preview = _post(desk, incident, "rule", step="preview", **rule)
    assert preview.status_code == 200
    assert "The rule matches 2 tickets" in preview.content.decode()
    assert not IncidentTicket.objects.exists()
    unknown = _post(desk, incident, "rule", step="preview", **{"rule-product_models": "NOPE"})
    assert unknown.status_code == 400 and "NOPE" in unknown.content.decode()
    assert _post(desk, incident, "rule", step="confirm", **rule).status_code == 302
    assert IncidentTicket.objects.filter(incident=incident).count() == 2
    assert _post(desk, incident, "link", **{"link-ticket": other.number}).status_code == 302
    assert _post(desk, incident, "link", **{"link-ticket": "AS-0"}).status_code == 400
    unlink = {"unlink-ticket": other.number, "unlink-reason": "Another fault"}
    assert _post(desk, incident, "unlink", **unlink).status_code == 302
    assert IncidentTicket.objects.get(ticket=other).unlink_reason == "Another fault"

    drafted = _post(desk, incident, "notice", **{"notice-subject": "Recall", "notice-body": "Hi"})
    assert drafted.status_code == 200
    assert "It will go to 1 customer" in drafted.content.decode()
    notice = IncidentNotice.objects.get()
    assert notice.sent_at is None
    assert _post(desk, incident, "send", notice=notice.pk).status_code == 302
    again = _post(desk, incident, "send", notice=notice.pk)
    assert again.status_code == 400
    assert Notification.objects.filter(kind="incident_notice", customer=customer).count() >= 1
    assert Notification.objects.filter(kind="incident_notice", channel="email").count() == 1

    incident.refresh_from_db()
    stage = _post(desk, incident, "stage", **{"stage-version": incident.version})
    assert stage.status_code == 302
    incident.refresh_from_db()
    assert incident.stage == "responded"
    stale = _post(desk, incident, "stage", **{"stage-version": 1})
    assert stale.status_code == 400
    review = {"review-cause": "Bad lot", "review-actions_taken": "Replaced"}
    assert _post(desk, incident, "review", **review).status_code == 302
    assert IncidentReview.objects.get().cause == "Bad lot"
    page = desk.get(f"/incidents/{incident.pk}/").content.decode()
    assert t1.number in page and "Tickets linked by the rule" in page

    ticket_page = desk.get(f"/tickets/{t1.pk}/").content.decode()
    assert f"ticket-incident-{incident.pk}" in ticket_page


def test_a_ticket_is_linked_from_its_page(desk, declare, world):
    incident = declare()
    ticket = world["ticket"](world["m2"], world["a2"])
    page = desk.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "ticket-incident-select" in page
    response = desk.post("/incidents/link-ticket/", {"ticket": ticket.pk, "incident": incident.pk})
    assert response.status_code == 302 and response.url == f"/tickets/{ticket.pk}/"
    assert IncidentTicket.objects.filter(incident=incident, ticket=ticket, method="manual").exists()
