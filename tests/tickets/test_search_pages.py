"""The header search and the screen pop as pages: fragment or whole page, role gates,
phones per role, the caller id in every spelling."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.roles import Role
from audits.models import AuditEvent
from tests.tickets.factories import CustomerFactory, ProductFactory, make_ticket

pytestmark = pytest.mark.django_db

SEARCH = reverse("desk-search")
CALL = reverse("desk-call")
INTAKE = reverse("ticket-create-page")


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def liu(db):
    return CustomerFactory(name="刘洋", phone="13812345678")


def _text(response):
    return response.content.decode()


# --- The header search ---------------------------------------------------------------------


def test_htmx_gets_the_listbox_fragment_grouped(login, agent, liu):
    unit = ProductFactory(customer=liu, serial_number="SN-5678")
    ticket = make_ticket(actor=agent, product=unit)
    response = login(agent).get(SEARCH, {"q": "5678"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = _text(response)
    assert "<html" not in page and 'role="listbox"' in page
    assert page.index("Customers") < page.index("Products") < page.index("Tickets")
    assert reverse("customer-detail-page", args=[liu.pk]) in page
    assert f"{reverse('customer-detail-page', args=[liu.pk])}#product-{unit.pk}" in page
    assert reverse("ticket-detail-page", args=[ticket.pk]) in page
    assert page.count('role="option"') == 3
    assert "HX-Request" in response["Vary"]


def test_a_plain_visit_gets_the_whole_results_page(login, agent, liu):
    response = login(agent).get(SEARCH, {"q": "ly"})
    page = _text(response)
    assert response.status_code == 200
    assert "<html" in page and 'id="search-q"' in page and 'value="ly"' in page
    assert "刘洋" in page and 'role="option"' not in page


def test_the_results_page_without_a_query_asks_for_one(login, agent):
    page = _text(login(agent).get(SEARCH))
    assert 'id="search-q"' in page and "Nothing matches" not in page
    assert "Type at least two characters" in _text(login(agent).get(SEARCH, {"q": "x"}))


def test_nothing_found_says_so(login, agent, liu):
    fragment = _text(login(agent).get(SEARCH, {"q": "zzzz"}, HTTP_HX_REQUEST="true"))
    assert "Nothing matches “zzzz”" in fragment and 'role="option"' not in fragment


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.AUDITOR])
def test_the_desk_and_auditors_may_search(login, make_user, role):
    assert login(make_user(role)).get(SEARCH, {"q": "ly"}).status_code == 200


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.INTEGRATOR])
def test_other_roles_may_not_search(login, make_user, role):
    assert login(make_user(role)).get(SEARCH, {"q": "ly"}).status_code == 403


def test_signed_out_search_asks_for_a_sign_in(client):
    response = client.get(SEARCH, {"q": "ly"})
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_phone_is_shown_to_agents_and_recorded_masked_for_auditors(login, agent, auditor, liu):
    shown = _text(login(agent).get(SEARCH, {"q": "liuyang"}, HTTP_HX_REQUEST="true"))
    assert "13812345678" in shown
    reads = AuditEvent.objects.filter(action="customer.pii_read", object_id=str(liu.pk))
    assert reads.count() == 1
    masked = _text(login(auditor).get(SEARCH, {"q": "liuyang"}, HTTP_HX_REQUEST="true"))
    assert "13812345678" not in masked and "138****5678" in masked
    assert reads.count() == 1


def test_the_header_offers_the_search_to_desk_roles_only(login, agent, auditor, technician):
    for user in (agent, auditor):
        page = _text(login(user).get(reverse("ticket-list-page")))
        assert 'role="combobox"' in page and f'hx-get="{SEARCH}"' in page
    assert 'role="combobox"' not in _text(login(technician.user).get(reverse("my-jobs-page")))


def _queries(client, text):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(SEARCH, {"q": text}, HTTP_HX_REQUEST="true").status_code == 200
    return len(captured)


def test_the_search_page_runs_the_same_queries_for_few_and_many_matches(login, agent, liu):
    client = login(agent)
    make_ticket(actor=agent, customer=liu)
    few = _queries(client, "liuyang")
    for n in range(12):
        make_ticket(actor=agent, customer=CustomerFactory(name="刘洋", phone=f"1381234{n:04d}"))
    assert _queries(client, "liuyang") == few


# --- The screen pop ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "caller",
    [
        "13812345678",
        "+8613812345678",
        "+86 138 1234 5678",
        "0086-138-1234-5678",
        "tel:+86-13812345678",
    ],
)
def test_a_known_caller_lands_on_their_customer_page(login, agent, liu, caller):
    response = login(agent).get(CALL, {"phone": caller})
    assert response.status_code == 302
    assert response["Location"] == reverse("customer-detail-page", args=[liu.pk])


def test_an_unknown_caller_lands_on_intake_with_the_number_filled_in(login, agent):
    client = login(agent)
    response = client.get(CALL, {"phone": "+86 139 0000 1111"})
    assert response.status_code == 302
    assert response["Location"] == f"{INTAKE}?phone=13900001111"
    page = _text(client.get(response["Location"]))
    assert 'value="13900001111"' in page
    assert "no customer has this number yet" in page


@pytest.mark.parametrize("caller", ["anonymous", "12-34", "+"])
def test_an_invalid_caller_id_lands_on_intake_with_a_message(login, agent, caller):
    client = login(agent)
    response = client.get(CALL, {"phone": caller})
    assert response.status_code == 302 and response["Location"].startswith(f"{INTAKE}?phone=")
    page = _text(client.get(response["Location"]))
    assert "is not a phone number" in page


def test_a_missing_caller_id_lands_on_intake_with_a_message(login, agent):
    client = login(agent)
    for query in ({}, {"phone": "  "}):
        response = client.get(CALL, query)
        assert response.status_code == 302 and response["Location"] == INTAKE
        assert "came without a caller number" in _text(client.get(INTAKE))


def test_an_erased_customers_old_number_is_a_new_caller(login, supervisor, liu):
    from tickets import services

    services.customer_erase(customer=liu, actor=supervisor, reason="Asked to")
    response = login(supervisor).get(CALL, {"phone": "13812345678"})
    assert response["Location"] == f"{INTAKE}?phone=13812345678"


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.TECHNICIAN, Role.INTEGRATOR])
def test_only_the_desk_takes_calls(login, make_user, role):
    assert login(make_user(role)).get(CALL, {"phone": "13812345678"}).status_code == 403
