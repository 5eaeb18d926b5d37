"""The admin: every model browsable; tickets change only through the services."""

import pytest
from django.contrib import admin
from django.urls import reverse

from audits.models import AuditEvent
from tickets.models import Ticket, TicketEvent

from .factories import ProductFactory, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_with_data(admin_client, admin_user, agent):
    make_ticket(actor=agent, product=ProductFactory())
    return admin_client


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label_lower)
def test_admin_changelist_and_search_render_for_every_model(admin_client_with_data, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert admin_client_with_data.get(url).status_code == 200
    if admin.site._registry[model].search_fields:
        assert admin_client_with_data.get(url, {"q": "x"}).status_code == 200


def test_admin_ticket_status_is_read_only_and_edits_go_through_the_service(
    admin_client, admin_user, agent
):
    ticket = make_ticket(actor=agent)
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()

    response = admin_client.post(
        url,
        {
            "description": "Corrected: noisy fan",
            "status": "closed",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "new"
    assert ticket.description == "Corrected: noisy fan"
    assert ticket.version == 2
    assert TicketEvent.objects.filter(ticket=ticket, kind="update").count() == 1
    event = AuditEvent.objects.get(action="ticket.update", object_id=str(ticket.pk))
    assert event.source == "admin"
    assert event.actor == admin_user
    assert event.changes["description"] == ["Not cooling", "Corrected: noisy fan"]


def test_admin_cannot_add_or_delete_tickets(admin_client, agent):
    ticket = make_ticket(actor=agent)
    assert admin_client.get(reverse("admin:tickets_ticket_add")).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:tickets_ticket_delete", args=[ticket.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert Ticket.objects.filter(pk=ticket.pk).exists()


@pytest.mark.django_db
def test_supervisors_keep_reference_data_in_the_admin_and_only_read_the_rest(client, supervisor):
    from aftersales.roles import grant_supervisor_admin_permissions

    grant_supervisor_admin_permissions()  # what every migrate does
    supervisor.is_staff = True
    supervisor.save()
    client.force_login(supervisor)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/tickets/area/add/").status_code == 200
    assert client.get("/admin/technicians/certificationtype/add/").status_code == 200
    assert client.get("/admin/tickets/ticket/").status_code == 200  # read
    assert client.get("/admin/tickets/customer/add/").status_code == 403
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/audits/auditevent/").status_code == 200
