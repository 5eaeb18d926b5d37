"""The search rule (tickets.search, tickets.names): what each kind of query matches, who
may see what, the pinyin keys kept by every writer of a name, and a constant query count."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.roles import Role
from tests.tickets.factories import (
    CustomerFactory,
    ProductFactory,
    ProductModelFactory,
    advance,
    make_ticket,
)
from tickets import services
from tickets.filtersets import TicketFilterSet
from tickets.models import Customer, Ticket
from tickets.names import name_keys, query_pinyins
from tickets.search import (
    SearchQuery,
    global_search,
    search_customers,
    search_products,
    ticket_search_q,
)

pytestmark = pytest.mark.django_db


def _customers(user, text, limit=10):
    return search_customers(user=user, query=SearchQuery.parse(text), limit=limit)


def _tickets(user, text, limit=10):
    return global_search(user=user, text=text, limit=limit).tickets


def _products(user, text, limit=10):
    return search_products(user=user, query=SearchQuery.parse(text), limit=limit)


# --- The pinyin keys (pure) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("刘洋", ("liuyang", "ly")),
        ("欧阳娜娜", ("ouyangnana", "oynn")),
        ("吕小布", ("lvxiaobu", "lxb")),  # ü typed as v, as keyboards do
        ("单雄信", ("shanxiongxin", "sxx")),  # 单 reads "shan" as a family name
        ("曾小贤", ("zengxiaoxian", "zxx")),
        ("Wang Fang", ("wangfang", "wf")),
        ("刘 John", ("liujohn", "lj")),
        ("", ("", "")),
    ],
)
def test_name_keys_are_full_pinyin_and_initials(name, keys):
    assert name_keys(name) == keys


def test_a_company_name_keeps_the_dictionary_reading_of_its_first_character():
    assert name_keys("单位后勤处")[0].startswith("dan")


def test_query_pinyins_counts_every_reading_of_a_character():
    assert set(query_pinyins("长")) == {"chang", "zhang"}
    assert query_pinyins("刘洋") == ["liuxiang", "liuyang"]
    assert query_pinyins("长" * 20) in ([], ["chang" * 20])


# --- Every writer of a name keeps the keys ---------------------------------------------------


def _keys(customer):
    customer.refresh_from_db()
    return customer.name_pinyin, customer.name_initials


def test_customer_create_and_update_derive_the_keys(agent):
    customer = services.customer_create(actor=agent, name=" 刘洋 ", phone="13800138000")
    assert _keys(customer) == ("liuyang", "ly")
    services.customer_update(customer=customer, actor=agent, name="张伟")
    assert _keys(customer) == ("zhangwei", "zw")
    customer.name = "王芳"
    customer.save(update_fields=["name"])
    assert _keys(customer) == ("wangfang", "wf")


def test_intake_of_a_new_customer_derives_the_keys(agent):
    ticket = services.ticket_intake(
        actor=agent,
        new_customer={"name": "刘洋", "phone": "139 0000 1111"},
        channel="phone",
        category="repair",
        description="Not cooling",
    )
    assert _keys(ticket.customer) == ("liuyang", "ly")


def test_erasure_leaves_no_pinyin_of_the_erased_name(supervisor):
    customer = CustomerFactory(name="刘洋")
    services.customer_erase(customer=customer, actor=supervisor, reason="Asked to")
    pinyin, initials = _keys(customer)
    assert "liu" not in pinyin and not initials.startswith("ly")
    assert _customers(supervisor, "liuyang") == []


def test_the_admin_edit_derives_the_keys(admin_client):
    from tests.admin_forms import form_data

    customer = CustomerFactory(name="Li Wei")
    url = reverse("admin:tickets_customer_change", args=[customer.pk])
    response = admin_client.post(url, form_data(admin_client.get(url), name="刘洋"))
    assert response.status_code == 302
    assert _keys(customer) == ("liuyang", "ly")


def test_the_migration_fills_the_keys_of_existing_customers():
    first, second = CustomerFactory(name="刘洋"), CustomerFactory(name="Wang Fang")
    Customer.objects.update(name_pinyin="", name_initials="")  # rows from before 0017
    migration = importlib.import_module("tickets.migrations.0020_customer_search")
    with connection.schema_editor() as editor:
        migration.backfill(django_apps, editor)
    assert _keys(first) == ("liuyang", "ly")
    assert _keys(second) == ("wangfang", "wf")


# --- Customers ------------------------------------------------------------------------------


@pytest.fixture
def liu(db):
    return CustomerFactory(name="刘洋", phone="13812345678")


@pytest.fixture
def crowd(db):
    """Customers who must not come up for 刘洋's queries."""
    return [
        CustomerFactory(name="李勇", phone="13900001111"),  # initials "ly" too
        CustomerFactory(name="杨柳", phone="13900002222"),  # same syllables, other order
        CustomerFactory(name="刘翔", phone="13900003333"),  # 刘
        CustomerFactory(name="Wang Fang", phone="13900004444"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "5678",  # the last four digits
        "1234",  # any four consecutive digits
        "13812345678",
        "+86 138 1234 5678",
        "0086-138-1234-5678",
        "138 1234",
        "刘洋",
        "洋",
        "liuyang",
        "LiuYang",
        "liu yang",
        "yang",
        "ly",
        "liuy",
    ],
)
def test_a_customer_is_found_by_phone_characters_and_pinyin(agent, liu, crowd, text):
    assert liu in _customers(agent, text)


@pytest.mark.parametrize("text", ["678", "lx", "刘翔洋", "yangliu", "8765"])
def test_queries_that_must_not_find_the_customer(agent, liu, crowd, text):
    assert liu not in _customers(agent, text)


def test_characters_decide_between_homophones(agent, liu, crowd):
    found = _customers(agent, "洋")
    assert liu in found and crowd[1] not in found  # 杨柳's 杨 is "yang" too


def test_initials_find_every_customer_they_start(agent, liu, crowd):
    found = _customers(agent, "ly")
    assert {c.name for c in found} == {"刘洋", "李勇"}


def test_latin_names_match_without_spaces_or_case(agent, crowd):
    assert [c.name for c in _customers(agent, "wangf")] == ["Wang Fang"]
    assert [c.name for c in _customers(agent, "Wang Fang")] == ["Wang Fang"]


def test_the_very_customer_comes_first(agent, liu):
    later = CustomerFactory(name="刘洋洋", phone="13812340000")
    assert _customers(agent, "13812345678")[0] == liu
    assert _customers(agent, "liuyang") == [liu, later]  # exact pinyin, then the newest
    assert _customers(agent, "刘洋") == [liu, later]


def test_an_erased_customer_is_not_found(supervisor, liu):
    services.customer_erase(customer=liu, actor=supervisor, reason="Asked to")
    assert _customers(supervisor, "5678") == []


def test_too_short_a_query_searches_nothing(agent, liu):
    assert SearchQuery.parse("l") is None
    assert SearchQuery.parse("  ") is None
    assert SearchQuery.parse("刘") is not None  # one character is a family name
    assert global_search(user=agent, text="l", limit=5).count == 0


def test_control_characters_are_dropped(agent, liu):
    assert liu in _customers(agent, "liu\x00yang")


# --- Products and tickets ----------------------------------------------------------------------


@pytest.fixture
def washer_unit(liu):
    model = ProductModelFactory(code="XQG100-B", name="Front-loading washer")
    return ProductFactory(customer=liu, model=model, serial_number="SN-2024-000777")


@pytest.mark.parametrize(
    "text", ["SN-2024-000777", "000777", "0777", "sn-2024", "washer", "XQG100"]
)
def test_a_product_is_found_by_serial_fragment_or_model(agent, washer_unit, text):
    assert _products(agent, text) == [washer_unit]


def test_a_serial_match_comes_before_a_model_match(agent, washer_unit):
    other = ProductFactory(model=washer_unit.model, serial_number="ZZ-1")
    assert _products(agent, "XQG100") == [other, washer_unit]  # by model: newest first
    ProductFactory(serial_number="XQG100-SPARE")
    assert _products(agent, "XQG100")[0].serial_number == "XQG100-SPARE"


@pytest.fixture
def numbered(agent):
    """Tickets AS-<year>-000001 … 000012 (the sequence starts afresh in each test), of a
    customer whose phone holds none of the fragments searched."""
    customer = CustomerFactory(name="张伟", phone="13755555555")
    return [make_ticket(actor=agent, customer=customer) for _ in range(12)]


def test_a_ticket_is_found_by_its_number_or_any_fragment(agent, numbered):
    second = numbered[1]
    year = second.number.split("-")[1]
    assert second.number.endswith("-000002")
    for text in (second.number, second.number.lower(), "000002", "0002", f"{year}-000002"):
        assert _tickets(agent, text)[0] == second, text
    # Year and sequence without the zeros spell the number out.
    assert _tickets(agent, f"{year}-2")[0] == second
    assert _tickets(agent, f"{year}-0002")[0] == second
    # "0001" ends AS-…-000001 and is inside AS-…-000010 … 000012: the ending first.
    assert _tickets(agent, "0001") == [numbered[0], *reversed(numbered[9:])]


def test_tickets_are_found_through_their_customer_and_product(agent, liu, washer_unit):
    by_unit = make_ticket(actor=agent, product=washer_unit)
    other = make_ticket(actor=agent, customer=CustomerFactory(name="张伟", phone="13655554444"))
    for text in ("5678", "liuyang", "ly", "刘洋", "000777", "washer"):
        assert _tickets(agent, text) == [by_unit], text
    assert _tickets(agent, "zhangwei") == [other]


def test_the_ticket_list_filter_uses_the_same_matching(agent, numbered, liu, washer_unit):
    ticket = make_ticket(actor=agent, product=washer_unit)
    visible = Ticket.objects.all()

    def listed(value):
        filterset = TicketFilterSet({"search": value}, queryset=visible)
        assert filterset.is_valid()
        return set(filterset.qs)

    # The examples: "0002" and "washer" used to find nothing.
    assert numbered[1] in listed("0002")
    assert listed("washer") == {ticket}
    assert listed("ly") == listed("5678") == listed("刘洋") == {ticket}
    assert listed(ticket.number) == {ticket}


def test_many_matching_customers_keep_a_subquery(agent, monkeypatch):
    from tickets import search

    monkeypatch.setattr(search, "SEARCH_ID_LIMIT", 2)
    tickets = [make_ticket(actor=agent, customer=CustomerFactory(name="刘洋")) for _ in range(3)]
    assert set(Ticket.objects.filter(ticket_search_q("liuyang"))) == set(tickets)


# --- Visibility ------------------------------------------------------------------------------


def test_a_technician_finds_only_the_tickets_of_their_jobs(
    agent, supervisor, technician, liu, washer_unit
):
    area = technician.areas.first()
    liu.area = area
    liu.save()
    job = advance(
        make_ticket(actor=agent, product=washer_unit),
        "dispatched",
        desk=agent,
        supervisor=supervisor,
        technician=technician,
    )
    make_ticket(actor=agent, customer=liu)  # not assigned to them
    assert _tickets(technician.user, "liuyang") == [job]
    assert _customers(technician.user, "liuyang") == [liu]
    assert _customers(technician.user, "wangfang") == []


def test_an_integrator_finds_only_what_it_registered(agent, integrator, liu):
    own = services.customer_create(actor=integrator, name="刘洋", phone="13700001234")
    assert _customers(integrator, "liuyang") == [own]
    assert _tickets(integrator, "liuyang") == []
    ticket = make_ticket(actor=integrator, customer=own)
    make_ticket(actor=agent, customer=liu)
    assert _tickets(integrator, "liuyang") == [ticket]


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.AUDITOR])
def test_desk_roles_search_everything(make_user, role, liu, washer_unit):
    user = make_user(role)
    ticket = make_ticket(actor=make_user(Role.AGENT), product=washer_unit)
    results = global_search(user=user, text="5678", limit=5)
    assert (results.customers, results.tickets) == ([liu], [ticket])


# --- Query count -------------------------------------------------------------------------------


def _search_queries(user, text):
    with CaptureQueriesContext(connection) as captured:
        global_search(user=user, text=text, limit=5)
    return len(captured)


@pytest.mark.parametrize("text", ["5678", "liuyang", "ly", "刘洋", "0002", "washer"])
def test_the_search_runs_the_same_queries_for_few_and_many_records(agent, text):
    """Each group runs its statements once it has a match (none to load when it has
    none): the few records already match in every group the query can reach."""
    model = ProductModelFactory(code="XQG100-B", name="Front-loading washer")

    def add(n):
        customer = CustomerFactory(name="刘洋", phone=f"1380002{n:04d}")
        unit = ProductFactory(customer=customer, model=model, serial_number=f"SN-0002-{n}")
        make_ticket(actor=agent, product=unit)

    add(5678)
    add(1)  # the second ticket: AS-…-000002
    few = _search_queries(agent, text)
    for n in range(2, 17):
        add(n)
    assert _search_queries(agent, text) == few
    assert few <= 9
