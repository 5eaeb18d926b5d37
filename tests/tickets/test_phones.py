"""Phone numbers through libphonenumber (issue 16 item 2): CN by default, international
accepted, garbage refused with a clear message wherever a phone is entered, and the stored
normal form of earlier rows kept (the few shapes that differ are migrated)."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from tests.tickets.factories import CustomerFactory, make_ticket
from tickets import services
from tickets.forms import PhoneLookupForm
from tickets.models import Customer
from tickets.phones import PhoneInvalid, normalize_phone
from tickets.public import public_lookup
from tickets.search import SearchQuery


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        # CN mobiles: the 11 digits, as the hand-written normaliser stored them.
        ("13800138000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("0086 138 0013 8000", "13800138000"),
        ("tel:+8613800138000", "13800138000"),
        # Landlines with their area code, trunk 0 kept.
        ("010-1234 5678", "01012345678"),
        ("(021) 6888 8888", "02168888888"),
        ("0755 8376 5566", "075583765566"),
        ("+86 10 1234 5678", "01012345678"),  # dialled from abroad: the same line
        # International: E.164.
        ("+44 20 7946 0958", "+442079460958"),
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("0044 7911 123456", "+447911123456"),
        ("+1 202-555-0143", "+12025550143"),
    ],
)
def test_numbers_are_stored_in_one_normal_form(raw, stored):
    assert normalize_phone(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "12345",
        "1380013800",
        "10000000000",
        "abc",
        "138-ABCD-8000",
        "+999 1234567",
        "1" * 41,
    ],
)
def test_garbage_is_refused_with_a_message_naming_the_forms(raw):
    with pytest.raises(PhoneInvalid, match="valid phone number"):
        normalize_phone(raw)


def test_the_home_region_is_a_setting(settings):
    settings.PHONE_DEFAULT_REGION = "GB"

    assert normalize_phone("020 7946 0958") == "02079460958"
    assert normalize_phone("+86 138 0013 8000") == "+8613800138000"


# --- Where phones are entered ------------------------------------------------------------


def test_api_customer_garbage_phone_is_a_400_and_nothing_is_written(agent_client):
    response = agent_client.post(
        "/api/v1/customers/", {"name": "Li", "phone": "12-34"}, format="json"
    )

    assert response.status_code == 400
    assert "valid phone number" in response.data["phone"][0]
    assert not Customer.objects.exists()


def test_api_customer_international_number_is_stored_e164(agent_client):
    response = agent_client.post(
        "/api/v1/customers/", {"name": "Smith", "phone": "+44 20 7946 0958"}, format="json"
    )

    assert response.status_code == 201, response.data
    assert Customer.objects.get(pk=response.data["id"]).phone == "+442079460958"


def test_api_duplicate_in_another_spelling_is_refused(agent_client, agent):
    services.customer_create(actor=agent, name="Li", phone="010-1234-5678")

    response = agent_client.post(
        "/api/v1/customers/", {"name": "Li 2", "phone": "+86 10 1234 5678"}, format="json"
    )

    assert response.status_code == 400
    assert "already exists" in response.data["phone"][0]


def test_console_lookup_form_normalises_and_refuses_garbage():
    found = PhoneLookupForm({"phone": "+86 139 1234 5678"})
    assert found.is_valid()
    assert found.cleaned_data["phone"] == "13912345678"
    form = PhoneLookupForm({"phone": "12345"})
    assert not form.is_valid()
    assert "valid phone number" in form.errors["phone"][0]


def test_customer_page_update_refuses_garbage_and_keeps_the_number(agent):
    customer = services.customer_create(actor=agent, name="Li", phone="13912345678")

    with pytest.raises(ValidationError) as refused:
        services.customer_update(customer=customer, actor=agent, phone="call me")

    assert "phone" in refused.value.message_dict
    customer.refresh_from_db()
    assert customer.phone == "13912345678"


def test_public_lookup_reads_the_last_four_of_an_international_number(agent):
    customer = services.customer_create(actor=agent, name="Smith", phone="+44 7911 123456")
    ticket = make_ticket(actor=agent, customer=customer)

    assert public_lookup(number=ticket.number, phone_last4="3456") == ticket
    assert public_lookup(number=ticket.number, phone_last4="3457") is None


def test_search_fragment_with_the_country_code_searches_national_digits():
    assert SearchQuery.parse("+86 138 0013").digits == "1380013"
    assert SearchQuery.parse("+86 138 0013 8000").phone == "13800138000"


# --- Rows stored by the hand-written normaliser ----------------------------------------------


@pytest.mark.django_db
def test_migration_rewrites_only_the_shapes_that_differ():
    migration = importlib.import_module("tickets.migrations.0024_phone_normal_form")
    lost_zero = CustomerFactory(phone="1012345678")  # "+86 10 1234 5678" by the old rule
    trunk = CustomerFactory(phone="+4402079460958")  # "+44 (0)20 7946 0958"
    mobile = CustomerFactory(phone="13800138000")
    clash = CustomerFactory(phone="2168888888")
    CustomerFactory(phone="02168888888")  # the new form of ``clash`` is taken
    garbage = CustomerFactory(phone="123456")

    migration.renormalise(apps, None)

    stored = dict(Customer.objects.values_list("pk", "phone"))
    assert stored[lost_zero.pk] == "01012345678"
    assert stored[trunk.pk] == "+442079460958"
    assert stored[mobile.pk] == "13800138000"
    assert stored[clash.pk] == "2168888888"
    assert stored[garbage.pk] == "123456"
