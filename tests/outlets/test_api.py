"""REST API of outlets, scorecards and dispatch to an outlet, per endpoint and role."""

import pytest
from django.utils import timezone

from aftersales.roles import Role
from technicians.outlets.models import Outlet, PartnerScorecard
from tests.outlets.factories import OutletFactory
from tests.tickets.factories import AreaFactory, TechnicianFactory, appointment
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatcher_client(api_client_for, dispatcher):
    return api_client_for(dispatcher)


# --- tickets: partners' dispatchers see only their outlet's tickets --------------------


def test_outlet_dispatcher_lists_only_their_outlets_tickets(
    dispatcher_client, outlet_ticket, triaged, supervisor, other_outlet
):
    from tickets import services

    triaged()  # not sent anywhere
    other = services.ticket_dispatch_to_outlet(
        ticket=triaged(), actor=supervisor, outlet=other_outlet
    )
    response = dispatcher_client.get("/api/v1/tickets/")
    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [outlet_ticket.pk]
    assert response.data["results"][0]["outlet"] == outlet_ticket.outlet_id
    assert dispatcher_client.get(f"/api/v1/tickets/{outlet_ticket.pk}/").status_code == 200
    assert dispatcher_client.get(f"/api/v1/tickets/{other.pk}/").status_code == 404
    assert dispatcher_client.get(f"/api/v1/tickets/{other.pk}/events/").status_code == 404


def test_ticket_list_query_ceiling_for_a_dispatcher(
    dispatcher_client, triaged, supervisor, partner, django_assert_max_num_queries
):
    from tickets import services

    for _ in range(5):
        services.ticket_dispatch_to_outlet(ticket=triaged(), actor=supervisor, outlet=partner)
    with django_assert_max_num_queries(12):
        response = dispatcher_client.get("/api/v1/tickets/")
    assert len(response.data["results"]) == 5


def test_outlet_dispatcher_dispatches_through_the_api(
    dispatcher_client, outlet_ticket, partner_tech
):
    start, end = appointment()
    response = dispatcher_client.post(
        f"/api/v1/tickets/{outlet_ticket.pk}/dispatch/",
        {
            "technician": partner_tech.pk,
            "appointment_start": start.isoformat(),
            "appointment_end": end.isoformat(),
        },
        format="json",
        HTTP_IF_MATCH=f'"{outlet_ticket.version}"',
    )
    assert response.status_code == 200, response.data
    assert Ticket.objects.get(pk=outlet_ticket.pk).technician_id == partner_tech.pk


def test_outlet_dispatcher_refused_uncertified_partner_technician(
    dispatcher_client, outlet_ticket, partner
):
    tech = TechnicianFactory(outlet=partner, certified_for=[])
    start, end = appointment()
    response = dispatcher_client.post(
        f"/api/v1/tickets/{outlet_ticket.pk}/dispatch/",
        {
            "technician": tech.pk,
            "appointment_start": start.isoformat(),
            "appointment_end": end.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 409
    assert response.data["code"] == "not_qualified"
    assert Ticket.objects.get(pk=outlet_ticket.pk).technician_id is None


def test_outlet_dispatcher_may_not_cancel(dispatcher_client, outlet_ticket):
    response = dispatcher_client.post(
        f"/api/v1/tickets/{outlet_ticket.pk}/cancel/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 403
    assert Ticket.objects.get(pk=outlet_ticket.pk).status == "triaged"


def test_dispatch_candidates_are_the_outlets_technicians(
    dispatcher_client, outlet_ticket, partner_tech
):
    TechnicianFactory()  # the centre's own, not considered
    response = dispatcher_client.get(f"/api/v1/tickets/{outlet_ticket.pk}/dispatch-candidates/")
    assert response.status_code == 200
    assert [c["technician"]["id"] for c in response.data] == [partner_tech.pk]
    assert response.data[0]["eligible"]


def test_dispatch_to_outlet_endpoint(supervisor_client, triaged, partner):
    ticket = triaged()
    url = f"/api/v1/tickets/{ticket.pk}/dispatch-to-outlet/"
    response = supervisor_client.post(
        url, {"outlet": partner.pk, "note": "urgent"}, format="json", HTTP_IF_MATCH="99"
    )
    assert response.status_code == 409 and response.data["code"] == "stale_version"
    response = supervisor_client.post(
        url, {"outlet": partner.pk}, format="json", HTTP_IF_MATCH=f'"{ticket.version}"'
    )
    assert response.status_code == 200, response.data
    assert response.data["outlet"] == partner.pk
    assert response["ETag"] == f'"{ticket.version + 1}"'


def test_dispatch_to_outlet_outside_area_answers_409(supervisor_client, triaged):
    far = OutletFactory(areas=[AreaFactory(code="jiading", name="Jiading")])
    ticket = triaged()
    response = supervisor_client.post(
        f"/api/v1/tickets/{ticket.pk}/dispatch-to-outlet/", {"outlet": far.pk}, format="json"
    )
    assert response.status_code == 409
    assert response.data["code"] == "outlet_not_serving"
    assert Ticket.objects.get(pk=ticket.pk).outlet_id is None


@pytest.mark.parametrize("role", [Role.AGENT, Role.OUTLET_DISPATCHER, Role.AUDITOR])
def test_dispatch_to_outlet_is_for_supervisors(make_user, api_client_for, triaged, partner, role):
    user = make_user(role)
    partner.dispatchers.add(user) if role == Role.OUTLET_DISPATCHER else None
    ticket = triaged()
    response = api_client_for(user).post(
        f"/api/v1/tickets/{ticket.pk}/dispatch-to-outlet/", {"outlet": partner.pk}, format="json"
    )
    assert response.status_code in (403, 404)
    assert Ticket.objects.get(pk=ticket.pk).outlet_id is None


# --- outlets ----------------------------------------------------------------------------


def test_outlets_list_per_role(
    api_client_for, supervisor, agent, auditor, dispatcher, partner, other_outlet, technician
):
    for user in (supervisor, agent, auditor):
        response = api_client_for(user).get("/api/v1/outlets/")
        assert response.status_code == 200
        assert {row["code"] for row in response.data["results"]} == {"PART", "OTHER"}
    response = api_client_for(dispatcher).get("/api/v1/outlets/")
    assert [row["code"] for row in response.data["results"]] == ["PART"]
    assert api_client_for(dispatcher).get(f"/api/v1/outlets/{other_outlet.pk}/").status_code == 404
    assert api_client_for(technician.user).get("/api/v1/outlets/").status_code == 403


def test_outlets_list_query_ceiling(supervisor_client, django_assert_max_num_queries):
    for _ in range(6):
        OutletFactory()
    with django_assert_max_num_queries(8):
        response = supervisor_client.get("/api/v1/outlets/")
    assert len(response.data["results"]) == 6


def test_supervisor_creates_and_edits_an_outlet(supervisor_client):
    AreaFactory()
    response = supervisor_client.post(
        "/api/v1/outlets/",
        {
            "code": "p-02",
            "name": "Partner Two",
            "kind": "partner",
            "company_name": "Two Co.",
            "areas": ["pudong"],
            "opening_hours": "9-18",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["areas"] == ["pudong"] and response.data["kind_label"]
    pk = response.data["id"]
    response = supervisor_client.patch(
        f"/api/v1/outlets/{pk}/", {"published": False}, format="json"
    )
    assert response.status_code == 200
    assert Outlet.objects.get(pk=pk).published is False


def test_partner_without_company_is_400(supervisor_client):
    response = supervisor_client.post(
        "/api/v1/outlets/", {"code": "X", "name": "X", "kind": "partner"}, format="json"
    )
    assert response.status_code == 400
    assert not Outlet.objects.exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.OUTLET_DISPATCHER, Role.AUDITOR])
def test_only_supervisors_write_outlets(make_user, api_client_for, role):
    client = api_client_for(make_user(role))
    assert (
        client.post("/api/v1/outlets/", {"code": "X", "name": "X"}, format="json").status_code
        == 403
    )
    outlet = OutletFactory()
    outlet.dispatchers.add(client.user)
    response = client.patch(f"/api/v1/outlets/{outlet.pk}/", {"name": "Y"}, format="json")
    assert response.status_code == 403
    assert Outlet.objects.get(pk=outlet.pk).name != "Y"


def test_outlet_membership_actions(supervisor_client, dispatcher, other_dispatcher):
    outlet = OutletFactory()
    tech = TechnicianFactory()
    base = f"/api/v1/outlets/{outlet.pk}"
    AreaFactory(code="xuhui", name="Xuhui")
    response = supervisor_client.post(f"{base}/set-areas/", {"areas": ["xuhui"]}, format="json")
    assert response.status_code == 200 and response.data["areas"] == ["xuhui"]
    response = supervisor_client.post(
        f"{base}/add-dispatcher/", {"user": dispatcher.username}, format="json"
    )
    assert response.data["dispatchers"] == [dispatcher.username]
    response = supervisor_client.post(
        f"{base}/remove-dispatcher/", {"user": dispatcher.username}, format="json"
    )
    assert response.data["dispatchers"] == []
    response = supervisor_client.post(
        f"{base}/add-technician/", {"technician": tech.employee_no}, format="json"
    )
    assert response.status_code == 200 and response.data["technician_count"] == 1
    response = supervisor_client.post(
        f"{base}/remove-technician/", {"technician": tech.employee_no}, format="json"
    )
    assert response.data["technician_count"] == 0


# --- scorecards ----------------------------------------------------------------------


def test_scorecard_lifecycle_through_the_api(supervisor_client, auditor_client, partner):
    today = timezone.localdate()
    response = supervisor_client.post(
        "/api/v1/partner-scorecards/",
        {
            "outlet": partner.pk,
            "period_start": today.replace(day=1).isoformat(),
            "period_end": today.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    pk, version = response.data["id"], response.data["version"]
    base = f"/api/v1/partner-scorecards/{pk}"
    response = supervisor_client.post(f"{base}/finalise/", format="json")
    assert response.status_code == 400  # no assessment yet
    response = supervisor_client.post(
        f"{base}/assess/",
        {"capability": 4, "technical": 4, "reputation": 5, "assessment": "Good."},
        format="json",
        HTTP_IF_MATCH=str(version),
    )
    assert response.status_code == 200, response.data
    assert response.data["grade"] in "ABCD" and response.data["evaluator"] == "supervisor"
    response = supervisor_client.post(f"{base}/finalise/", format="json")
    assert response.status_code == 200 and response.data["status"] == "final"
    response = supervisor_client.post(f"{base}/refresh/", format="json")
    assert response.status_code == 409 and response.data["code"] == "scorecard_final"
    assert auditor_client.get(f"{base}/").status_code == 200
    assert auditor_client.post(f"{base}/refresh/", format="json").status_code == 403


def test_scorecards_hidden_from_dispatchers_and_agents(dispatcher_client, agent_client, partner):
    assert dispatcher_client.get("/api/v1/partner-scorecards/").status_code == 403
    assert agent_client.get("/api/v1/partner-scorecards/").status_code == 403
    assert not PartnerScorecard.objects.exists()


def test_schema_documents_the_outlet_endpoints(supervisor_client):
    response = supervisor_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"] if "json" in response["Content-Type"] else None
    if paths is None:
        import yaml

        paths = yaml.safe_load(response.content)["paths"]
    for path in (
        "/api/v1/outlets/",
        "/api/v1/outlets/{id}/set-areas/",
        "/api/v1/partner-scorecards/{id}/finalise/",
        "/api/v1/tickets/{id}/dispatch-to-outlet/",
    ):
        assert path in paths
