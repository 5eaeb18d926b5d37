"""The incidents' REST API per endpoint and role."""

import pytest

from aftersales.platform.models import Notification
from tests.tickets.factories import CustomerFactory
from tickets.incidents.models import Incident, IncidentTicket

pytestmark = pytest.mark.django_db


@pytest.fixture
def sup(api_client_for, supervisor):
    return api_client_for(supervisor)


def _declare(client, **extra):
    body = {"title": "Batch failure", "grade": "critical", **extra}
    return client.post("/api/v1/incidents/", body, format="json")


def test_a_supervisor_declares_and_the_desk_reads(sup, api_client_for, agent, auditor):
    response = _declare(sup, description="Capacitors")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["grade"] == "critical" and body["stage"] == "declared"
    assert [c["state"] for c in body["clocks"]] == ["running"] * 3
    for user in (agent, auditor):
        listing = api_client_for(user).get("/api/v1/incidents/")
        assert listing.status_code == 200
        assert listing.json()["results"][0]["number"] == body["number"]


@pytest.mark.parametrize("role", ["agent", "auditor", "technician"])
def test_only_supervisors_declare(api_client_for, make_user, role):
    response = _declare(api_client_for(make_user(role)))
    assert response.status_code == 403
    assert not Incident.objects.exists()


def test_technicians_do_not_read_incidents(api_client_for, make_user):
    assert api_client_for(make_user("technician")).get("/api/v1/incidents/").status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"title": "x", "grade": "apocalyptic"},
        {"grade": "major"},
        {"title": "x", "grade": "major", "stage": "closed"},
    ],
)
def test_a_bad_declaration_is_400(sup, body):
    assert sup.post("/api/v1/incidents/", body, format="json").status_code == 400


def test_stages_rule_links_notice_and_review(sup, world):
    customer = CustomerFactory(area=world["a1"], email="c@example.com")
    t1 = world["ticket"](world["m1"], world["a1"], customer=customer)
    world["ticket"](world["m1"], world["a1"], customer=customer)
    other = world["ticket"](world["m2"], world["a2"])
    incident = _declare(sup).json()
    base = f"/api/v1/incidents/{incident['id']}"
    rule = {"product_models": [world["m1"].pk], "areas": [world["a1"].pk]}
    preview = sup.post(f"{base}/rule-preview/", rule, format="json")
    assert preview.json() == {"count": 2}
    assert sup.post(f"{base}/rule/", rule, format="json").status_code == 200
    assert sup.post(f"{base}/link-by-rule/", {}, format="json").json() == {"count": 2}
    assert sup.post(f"{base}/link-by-rule/", {}, format="json").json() == {"count": 0}
    assert sup.post(f"{base}/link/", {"ticket": other.pk}, format="json").status_code == 200
    assert sup.post(f"{base}/link/", {"ticket": 999999}, format="json").status_code == 400
    unlink = sup.post(f"{base}/unlink/", {"ticket": other.pk}, format="json")
    assert unlink.status_code == 400  # the reason is required
    unlink = sup.post(f"{base}/unlink/", {"ticket": other.pk, "reason": "No"}, format="json")
    assert unlink.status_code == 200 and unlink.json()["unlink_reason"] == "No"
    links = sup.get(f"/api/v1/incident-links/?incident={incident['id']}").json()
    assert links["count"] == 3
    assert IncidentTicket.objects.filter(unlinked_at__isnull=True).count() == 2
    assert t1.pk in {row["ticket"] for row in links["results"]}

    notice = sup.post(
        "/api/v1/incident-notices/",
        {"incident": incident["id"], "subject": "Recall", "body": "We replace it."},
        format="json",
    )
    assert notice.status_code == 201
    sent = sup.post(f"/api/v1/incident-notices/{notice.json()['id']}/send/", {}, format="json")
    assert sent.status_code == 200 and sent.json()["recipients"] == 1
    again = sup.post(f"/api/v1/incident-notices/{notice.json()['id']}/send/", {}, format="json")
    assert again.status_code == 409
    assert Notification.objects.filter(kind="incident_notice", channel="email").count() == 1

    assert sup.post(f"{base}/handle/", {}, format="json").status_code == 409
    responded = sup.post(f"{base}/respond/", {"note": "Team sent"}, format="json")
    assert responded.json()["stage"] == "responded"
    stale = sup.post(f"{base}/handle/", {}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 409
    review = sup.post(
        f"{base}/review/", {"cause": "Bad lot", "actions_taken": "Replaced"}, format="json"
    )
    assert review.status_code == 200 and review.json()["reviewed_by"] == "supervisor"
    timeline = sup.get(f"{base}/timeline/").json()
    kinds = [row["kind"] for row in timeline["results"]]
    assert kinds[0] == "declared" and "rule_linked" in kinds and "notice_sent" in kinds


def test_the_desk_may_not_link(api_client_for, agent, sup, world):
    incident = _declare(sup).json()
    ticket = world["ticket"](world["m1"], world["a1"])
    response = api_client_for(agent).post(
        f"/api/v1/incidents/{incident['id']}/link/", {"ticket": ticket.pk}, format="json"
    )
    assert response.status_code == 403


def test_the_list_runs_constant_queries(sup, supervisor, django_assert_max_num_queries):
    for i in range(6):
        _declare(sup, title=f"Incident {i}")
    with django_assert_max_num_queries(8):
        response = sup.get("/api/v1/incidents/")
    assert response.json()["count"] == 6


def test_linking_by_rule_before_a_rule_is_set_is_a_409(sup):
    incident = _declare(sup).json()
    response = sup.post(f"/api/v1/incidents/{incident['id']}/link-by-rule/", format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "no_rule"
    assert not IncidentTicket.objects.exists()
