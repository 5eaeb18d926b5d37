"""The admin: every model browsable; tickets change only through the services."""

import pytest
from django.contrib import admin
from django.urls import reverse

from audits.models import AuditEvent
from tickets.models import Area, Customer, Ticket, TicketEvent

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


# --- Every admin write goes through its service (issue 11, item 4) -----------------------


@pytest.fixture
def one_of_everything(admin_user, agent, supervisor, technician):
    """A row of every model the admin shows, made through the services."""
    import datetime

    from django.utils import timezone

    from parts import services as parts
    from technicians import services as techs
    from tests.parts.factories import LocationFactory, PartFactory
    from tests.tickets.factories import CustomerFactory, advance

    customer = CustomerFactory(area=technician.areas.first())
    ticket = make_ticket(actor=agent, product=ProductFactory(customer=customer))
    advance(ticket, "closed", desk=agent, supervisor=supervisor, technician=technician)
    warehouse = LocationFactory()
    part = PartFactory()
    parts.stock_receive(part=part, location=warehouse, quantity=3, actor=supervisor)
    count = parts.stock_count_open(location=warehouse, actor=supervisor)
    parts.stock_count_record(count=count, part=part, counted=2, actor=supervisor)
    today = timezone.localdate()
    techs.training_record_create(
        actor=supervisor, technician=technician, course="Safety", completed_on=today,
        theory_hours=4,
    )  # fmt: skip
    techs.absence_create(
        actor=supervisor, technician=technician, kind="leave",
        starts_on=today + datetime.timedelta(days=20), ends_on=today + datetime.timedelta(days=21),
    )  # fmt: skip


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label_lower)
def test_admin_change_and_add_pages_render_for_a_superuser(admin_client, one_of_everything, model):
    opts = model._meta
    obj = model._default_manager.order_by("pk").first()
    if obj is not None:
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert admin_client.get(change).status_code == 200
    add = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    model_admin = admin.site._registry[model]
    expected = 200 if model_admin.has_add_permission(_superuser_request()) else 403
    assert add.status_code == expected


def _superuser_request():
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(username="admin")
    return request


def test_admin_customer_phone_edit_is_normalised_by_the_service(admin_client, admin_user):
    from tests.admin_forms import form_data
    from tests.tickets.factories import CustomerFactory

    customer = CustomerFactory(name="Li Wei", phone="13900000001")
    url = reverse("admin:tickets_customer_change", args=[customer.pk])
    response = admin_client.post(url, form_data(admin_client.get(url), phone="+86 138-0013-8000"))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.phone == "13800138000"
    event = AuditEvent.objects.get(action="customer.updated", object_id=str(customer.pk))
    assert event.source == "admin"
    assert event.actor == admin_user
    # Personal values are stored encrypted (README, "Personal data"): read them decrypted.
    from audits.personal import event_changes

    assert event_changes(event)["phone"] == ["13900000001", "13800138000"]
    assert not AuditEvent.objects.filter(action__startswith="admin.").exists()


def test_admin_customer_duplicate_phone_is_a_form_error_and_nothing_is_saved(admin_client):
    from tests.admin_forms import errors_of, form_data
    from tests.tickets.factories import CustomerFactory

    CustomerFactory(phone="13800138000")
    other = CustomerFactory(name="Zhang Min", phone="13900000002")
    url = reverse("admin:tickets_customer_change", args=[other.pk])
    data = form_data(admin_client.get(url), phone="+86 138 0013 8000", name="Zhang Min (new)")
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "already exists" in errors_of(response)
    other.refresh_from_db()
    assert (other.phone, other.name) == ("13900000002", "Zhang Min")
    assert not AuditEvent.objects.filter(object_id=str(other.pk), source="admin").exists()

    add = reverse("admin:tickets_customer_add")
    data = form_data(admin_client.get(add), name="Wang Fang", phone="0086 13800138000")
    response = admin_client.post(add, data)
    assert response.status_code == 200
    assert "already exists" in errors_of(response)
    assert not Customer.objects.filter(name="Wang Fang").exists()


def test_admin_customer_create_normalises_the_phone(admin_client):
    from tests.admin_forms import form_data

    add = reverse("admin:tickets_customer_add")
    response = admin_client.post(
        add, form_data(admin_client.get(add), name="Wang Fang", phone="+86 138-0013-8000")
    )
    assert response.status_code == 302
    customer = Customer.objects.get(name="Wang Fang")
    assert customer.phone == "13800138000"
    assert AuditEvent.objects.filter(action="customer.created", object_id=str(customer.pk)).exists()


def test_admin_erased_customer_is_view_only(admin_client, admin_user):
    from tests.tickets.factories import CustomerFactory
    from tickets.services import customer_erase

    customer = customer_erase(customer=CustomerFactory(), actor=admin_user, reason="Request")
    url = reverse("admin:tickets_customer_change", args=[customer.pk])
    assert 'name="name"' not in admin_client.get(url).content.decode()
    assert admin_client.post(url, {"name": "Back again", "phone": "13700000000"}).status_code == 403
    customer.refresh_from_db()
    assert customer.name.startswith("Erased customer")


def test_admin_area_rename_goes_through_its_service_with_one_audit_event(supervisor_admin):
    from tests.admin_forms import form_data
    from tests.tickets.factories import AreaFactory

    area = AreaFactory(code="north", name="North")
    url = reverse("admin:tickets_area_change", args=[area.pk])
    page = supervisor_admin.get(url)
    assert 'name="code"' not in page.content.decode()  # a code is fixed once created
    response = supervisor_admin.post(url, form_data(page, name="North district", code="south"))
    assert response.status_code == 302
    area.refresh_from_db()
    assert (area.code, area.name) == ("north", "North district")
    [event] = AuditEvent.objects.filter(object_type="tickets.area", object_id=str(area.pk))
    assert event.action == "admin.updated"
    assert event.actor == supervisor_admin.user
    assert event.changes == {"name": ["North", "North district"]}


def test_admin_reference_data_delete_refused_while_in_use(admin_client):
    from tests.tickets.factories import ProductModelFactory
    from tickets.models import ProductCategory

    model = ProductModelFactory()
    category = model.category
    url = reverse("admin:tickets_productcategory_delete", args=[category.pk])
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200  # Django lists what protects it
    assert ProductCategory.objects.filter(pk=category.pk).exists()
    assert not AuditEvent.objects.filter(action="admin.deleted").exists()


def test_admin_working_calendar_and_its_hours_are_created_through_the_services(
    supervisor_admin,
):
    from tests.admin_forms import form_data
    from tickets.models import WorkingCalendar, WorkingHours

    add = reverse("admin:tickets_workingcalendar_add")
    data = form_data(
        supervisor_admin.get(add),
        code="sh-office",
        name="Shanghai office",
        time_zone="Asia/Shanghai",
        **{
            "hours-TOTAL_FORMS": "1",
            "hours-0-weekday": "0",
            "hours-0-start_minute": "480",
            "hours-0-end_minute": "1080",
        },
    )
    response = supervisor_admin.post(add, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    calendar = WorkingCalendar.objects.get(code="sh-office")
    hours = WorkingHours.objects.get(calendar=calendar)
    assert (hours.start_minute, hours.end_minute) == (480, 1080)
    created = AuditEvent.objects.filter(action="admin.created", actor=supervisor_admin.user)
    assert sorted(created.values_list("object_type", flat=True)) == [
        "tickets.workingcalendar",
        "tickets.workinghours",
    ]


def test_admin_refusal_of_an_inline_service_rolls_back_the_whole_save(
    supervisor_admin, monkeypatch
):
    from django.core.exceptions import ValidationError

    from tests.admin_forms import errors_of, form_data
    from tickets import services
    from tickets.models import WorkingCalendar

    def refuse(**fields):
        raise ValidationError({"end_minute": ["Refused by the service."]})

    monkeypatch.setattr(services, "working_hours_create", refuse)
    add = reverse("admin:tickets_workingcalendar_add")
    data = form_data(
        supervisor_admin.get(add),
        code="sh-office",
        name="Shanghai office",
        time_zone="Asia/Shanghai",
        **{
            "hours-TOTAL_FORMS": "1",
            "hours-0-weekday": "0",
            "hours-0-start_minute": "480",
            "hours-0-end_minute": "1080",
        },
    )
    response = supervisor_admin.post(add, data)
    assert response.status_code == 200
    assert "Refused by the service." in errors_of(response)
    assert not WorkingCalendar.objects.filter(code="sh-office").exists()
    assert not AuditEvent.objects.filter(action="admin.created").exists()


def test_admin_second_default_sla_policy_is_refused(supervisor_admin):
    from tests.admin_forms import form_data
    from tickets.models import SlaPolicy, WorkingCalendar

    assert SlaPolicy.objects.filter(is_default=True).count() == 1  # shipped by the migrations
    add = reverse("admin:tickets_slapolicy_add")
    data = form_data(
        supervisor_admin.get(add),
        name="Another default",
        calendar=WorkingCalendar.objects.first().pk,
        response_hours="8",
        dispatch_hours="24",
        is_default="on",
    )
    response = supervisor_admin.post(add, data)
    assert response.status_code == 200
    assert not SlaPolicy.objects.filter(name="Another default").exists()


def test_reference_api_create_and_admin_share_one_service(supervisor_client, monkeypatch):
    from tickets import services
    from tickets.api import views

    calls = []
    original = services.area_create

    def spy(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(views.AreaViewSet, "reference_create", staticmethod(spy))
    response = supervisor_client.post(
        "/api/v1/areas/", {"code": "west", "name": "West"}, format="json"
    )
    assert response.status_code == 201
    assert calls and calls[0]["code"] == "west"
    assert Area.objects.filter(code="west").exists()
