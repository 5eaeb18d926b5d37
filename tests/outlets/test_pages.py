"""The outlet pages via the Django client: each form in each mode, the outcome in the DB."""

import pytest
from django.utils import timezone

from technicians.outlets.models import Outlet, PartnerScorecard
from tests.outlets.factories import OutletFactory
from tests.tickets.factories import AreaFactory, TechnicianFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def sup(client, supervisor):
    client.force_login(supervisor)
    return client


def test_outlet_list_per_role(client, supervisor, dispatcher, agent, partner, other_outlet):
    client.force_login(supervisor)
    page = client.get("/outlets/").content.decode()
    assert "PART" in page and "OTHER" in page
    client.force_login(dispatcher)
    page = client.get("/outlets/").content.decode()
    assert "PART" in page and "OTHER" not in page
    assert client.get(f"/outlets/{other_outlet.pk}/").status_code == 404
    assert client.get(f"/outlets/{partner.pk}/").status_code == 200
    client.force_login(agent)
    assert client.get("/outlets/").status_code == 403


def test_outlet_list_query_ceiling(sup, django_assert_max_num_queries):
    for _ in range(8):
        OutletFactory()
    with django_assert_max_num_queries(12):
        assert sup.get("/outlets/").status_code == 200


def test_create_outlet_form(sup):
    AreaFactory()
    response = sup.post("/outlets/new/", {"code": "P9", "name": "P9", "kind": "partner"})
    assert response.status_code == 400  # a partner needs its company
    assert not Outlet.objects.exists()
    area = AreaFactory()
    response = sup.post(
        "/outlets/new/",
        {
            "code": "p9",
            "name": "Partner nine",
            "kind": "partner",
            "company_name": "Nine Co.",
            "areas": [area.pk],
            "published": "on",
            "active": "on",
        },
    )
    outlet = Outlet.objects.get()
    assert response.status_code == 302 and outlet.code == "P9"
    assert list(outlet.areas.all()) == [area]


def test_detail_forms(sup, partner, dispatcher):
    other_disp = dispatcher.__class__.objects.create_user(username="odisp9")
    from django.contrib.auth.models import Group

    other_disp.groups.add(Group.objects.get_or_create(name="outlet_dispatcher")[0])
    tech = TechnicianFactory()
    base = f"/outlets/{partner.pk}"
    page = sup.get(f"{base}/").content.decode()
    assert "Huadong Repair Co." in page
    response = sup.post(
        f"{base}/edit/",
        {"name": "Renamed", "kind": "partner", "company_name": "Huadong", "active": "on"},
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert (partner.name, partner.published) == ("Renamed", False)
    xuhui = AreaFactory(code="xuhui", name="Xuhui")
    assert sup.post(f"{base}/areas/", {"areas": [xuhui.pk]}).status_code == 302
    assert list(partner.areas.all()) == [xuhui]
    assert sup.post(f"{base}/add-dispatcher/", {"user": other_disp.pk}).status_code == 302
    assert set(partner.dispatchers.all()) == {dispatcher, other_disp}
    assert sup.post(f"{base}/add-dispatcher/", {"user": 999999}).status_code == 400
    sup.post(f"{base}/remove/dispatcher/{other_disp.pk}/")
    assert list(partner.dispatchers.all()) == [dispatcher]
    assert sup.post(f"{base}/add-technician/", {"technician": tech.pk}).status_code == 302
    tech.refresh_from_db()
    assert tech.outlet_id == partner.pk
    sup.post(f"{base}/remove/technician/{tech.pk}/")
    tech.refresh_from_db()
    assert tech.outlet_id is None


def test_dispatcher_cannot_post_outlet_forms(client, dispatcher, partner):
    client.force_login(dispatcher)
    response = client.post(f"/outlets/{partner.pk}/edit/", {"name": "Mine", "kind": "own"})
    assert response.status_code == 403
    partner.refresh_from_db()
    assert partner.name != "Mine"


def test_scorecard_pages(sup, partner, auditor, client):
    today = timezone.localdate()
    base = f"/outlets/{partner.pk}"
    response = sup.post(
        f"{base}/scorecard/",
        {"period_start": today.replace(day=1).isoformat(), "period_end": today.isoformat()},
    )
    card = PartnerScorecard.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/outlets/scorecards/{card.pk}/"
    assert sup.get(f"/outlets/scorecards/{card.pk}/").status_code == 200
    url = f"/outlets/scorecards/{card.pk}"
    assert sup.post(f"{url}/finalise/").status_code == 400  # no assessment
    response = sup.post(f"{url}/assess/", {"capability": "", "version": card.version})
    assert response.status_code == 400
    response = sup.post(
        f"{url}/assess/",
        {
            "capability": "4",
            "technical": "5",
            "reputation": "4",
            "assessment": "Solid partner.",
            "version": card.version,
        },
    )
    assert response.status_code == 302
    card.refresh_from_db()
    assert (card.capability, card.technical, card.reputation) == (4, 5, 4)
    assert sup.post(f"{url}/refresh/").status_code == 302
    assert sup.post(f"{url}/finalise/").status_code == 302
    card.refresh_from_db()
    assert card.status == "final"
    assert sup.post(f"{url}/refresh/").status_code == 400
    client.force_login(auditor)
    page = client.get(f"{url}/").content.decode()
    assert "Solid partner." in page


def test_send_ticket_to_outlet_page(sup, triaged, partner):
    ticket = triaged()
    page = sup.get(f"/tickets/{ticket.pk}/").content.decode()
    assert f"/outlets/send/{ticket.pk}/" in page
    far = OutletFactory(areas=[AreaFactory(code="jiading", name="Jiading")])
    response = sup.post(
        f"/outlets/send/{ticket.pk}/", {"outlet": far.pk, "version": ticket.version}
    )
    assert response.status_code == 400  # not offered: outside its area
    response = sup.post(
        f"/outlets/send/{ticket.pk}/",
        {"outlet": partner.pk, "note": "Mornings", "version": ticket.version},
    )
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).outlet_id == partner.pk
    page = sup.get(f"/tickets/{ticket.pk}/").content.decode()
    assert partner.name in page


def test_dispatcher_queue_and_ticket_pages(client, dispatcher, outlet_ticket, triaged):
    hidden = triaged()
    client.force_login(dispatcher)
    page = client.get("/tickets/?view=to_dispatch").content.decode()
    assert outlet_ticket.number in page and hidden.number not in page
    assert client.get(f"/tickets/{outlet_ticket.pk}/").status_code == 200
    assert client.get(f"/tickets/{hidden.pk}/").status_code == 404
    assert client.get(f"/outlets/send/{outlet_ticket.pk}/").status_code == 403


def test_dispatcher_assigns_from_the_ticket_page(client, dispatcher, outlet_ticket, partner_tech):
    from tests.tickets.factories import appointment

    client.force_login(dispatcher)
    start, end = appointment()
    response = client.post(
        f"/tickets/{outlet_ticket.pk}/dispatch/",
        {
            "version": outlet_ticket.version,
            "technician": partner_tech.pk,
            "appointment_start": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
            "appointment_end": timezone.localtime(end).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code in (302, 303), response.content.decode()[:2000]
    assert Ticket.objects.get(pk=outlet_ticket.pk).technician_id == partner_tech.pk


def test_public_outlet_list(client, partner):
    OutletFactory(code="HID", name="Hidden outlet", published=False)
    far = OutletFactory(code="FAR", name="Far outlet", areas=[AreaFactory(code="jd", name="JD")])
    page = client.get("/service/outlets/").content.decode()
    assert partner.name in page and "Far outlet" in page and "Hidden outlet" not in page
    area = partner.areas.get()
    page = client.get(f"/service/outlets/?area={area.pk}").content.decode()
    assert partner.name in page and far.name not in page
    assert "021-5888 0000" in page and "Mon–Sat" in page


def test_public_outlet_list_in_chinese(client, partner):
    page = client.get("/service/outlets/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'lang="zh-hans"' in page


def test_admin_lists_outlets_read_only(supervisor_admin, partner):
    response = supervisor_admin.get("/admin/outlets/outlet/")
    assert response.status_code == 200 and "PART" in response.content.decode()
    assert supervisor_admin.get("/admin/outlets/outlet/add/").status_code == 403
