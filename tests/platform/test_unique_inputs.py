"""A value a unique constraint refuses is a 400 on its field, never a 500 IntegrityError.

Found by schemathesis: ``PATCH /api/v1/certifications/{id}/`` with a number another
certificate of the type has answered 500. Every unique field and ``UniqueConstraint`` of a
model the API creates or edits is either tried here (the same value twice → 400 naming the
field, the first record untouched) or named as made by the server; a new constraint fails
``test_every_unique_constraint_the_api_can_hit_is_tried`` until it is one or the other.
"""

import datetime
from decimal import Decimal

import pytest
from django.db.models import UniqueConstraint
from django.urls import get_resolver
from django.utils import timezone

from aftersales.roles import Role
from technicians.models import Certification
from tests.conftest import _client_for
from tests.parts.factories import LocationFactory, PartFactory
from tests.tickets.factories import (
    AreaFactory,
    CertificationFactory,
    CertificationTypeFactory,
    CustomerFactory,
    ProductCategoryFactory,
    ProductModelFactory,
    TechnicianFactory,
)
from tickets.charges.models import PriceList
from tickets.costs.models import CostRate
from tickets.warranty.models import WarrantyPartGroup

pytestmark = pytest.mark.django_db

# (model label, field names): set by the server, never taken from a request.
SERVER_MADE = {
    ("tickets.Ticket", ("number",)): "the next number of the year's sequence",
    ("technicians.Technician", ("user",)): "the service creates the technician's user",
    ("charges.Quote", ("number",)): "the next number of the year's quote sequence",
    ("charges.Quote", ("ticket",)): "the one current quote per ticket: the service "
    "supersedes the one there when it makes a quote",
    ("warranty.ServiceContract", ("number",)): "the next number of the contract sequence",
    ("warranty.ServiceContract", ("renewed_from",)): "set by the renew action, which "
    "refuses a contract already renewed",
    ("costs.ExpenseClaim", ("number",)): "the next number of the claim sequence",
    ("depot.EquipmentReceipt", ("number",)): "the next number of the receipt sequence",
    ("depot.EquipmentReceipt", ("ticket",)): "one open receipt per ticket: the take-in "
    "refuses a second with 409 already_taken_in",
    ("depot.EquipmentReceipt", ("loan_unit",)): "a loan unit lent once: the lending "
    "refuses a unit not available with 409 loan_unit_unavailable",
    ("knowledge.ArticleVersion", ("article", "number")): "the next version of the article, "
    "numbered under its row lock",
    ("knowledge.SupportQuestion", ("number",)): "the next number of the question sequence",
    ("knowledge.ArticleFeedback", ("article", "user", "ticket")): "the user is the caller; "
    "a second rating for the ticket is refused (409) before the insert",
    ("knowledge.ArticleFeedback", ("article", "user")): "the user is the caller; a second "
    "rating without a ticket is refused (409) before the insert",
    ("costs.Budget", ("month", "area", "kind")): "budget_set upserts: the same month, "
    "area and kind again changes the budget there",
    ("targets.TargetSet", ("period_kind", "period_start", "revision")): "the next revision "
    "of the period, counted by the service",
    ("targets.TargetSet", ("period_kind", "period_start")): "one approved set per period: "
    "approving a revision supersedes the approved one",
    ("surveys.SurveyTemplate", ("category",)): "the one active template per service type: "
    "activate retires the one active before",
    ("surveys.SurveyResponse", ("ticket",)): "recorded by the ticket's follow-up, once "
    "(a second answer is refused)",
    ("surveys.SurveyFollowUpTask", ("response",)): "opened by a low-scored response, once",
}


def _tried(label, *fields):
    return (label, tuple(fields))


# Each case: (constraint, method, url, body factory, the field the 400 names).
def _cases():
    return [
        (_tried("knowledge.Article", "code"), "post", "/api/v1/knowledge/articles/",
         lambda: {"code": "kb-door", "category": ProductCategoryFactory().code,
                  "title_en": "Door", "symptoms_en": "Stuck", "steps_en": "Open it"}, "code"),
        (_tried("tickets.Area", "code"), "post", "/api/v1/areas/",
         lambda: {"code": "north", "name": "North"}, "code"),
        (_tried("tickets.ProductCategory", "code"), "post", "/api/v1/product-categories/",
         lambda: {"code": "tv", "name": "TV"}, "code"),
        (_tried("tickets.ProductModel", "code"), "post", "/api/v1/product-models/",
         lambda: {"code": "TV-1", "name": "TV one", "category": ProductCategoryFactory().code,
                  "warranty_months": 12}, "code"),
        (_tried("tickets.Customer", "phone"), "post", "/api/v1/customers/",
         lambda: {"name": "Li Na", "phone": "13800138000"}, "phone"),
        (_tried("tickets.Product", "model", "serial_number"), "post", "/api/v1/products/",
         _product_body, "serial_number"),
        (_tried("technicians.Technician", "employee_no"), "post", "/api/v1/technicians/",
         _technician_body, "employee_no"),
        (_tried("technicians.CertificationType", "code"), "post", "/api/v1/certification-types/",
         lambda: {"code": "elec", "name": "Electrician",
                  "categories": [ProductCategoryFactory().code], "validity_months": 12}, "code"),
        (_tried("technicians.Certification", "type", "number"), "post", "/api/v1/certifications/",
         _certification_body, "number"),
        (_tried("parts.StockLocation", "code"), "post", "/api/v1/stock-locations/",
         lambda: {"code": "WH-2", "name": "Second warehouse", "kind": "warehouse"}, "code"),
        (_tried("parts.Part", "sku"), "post", "/api/v1/parts/", _part_body, "sku"),
        (_tried("tools.InstrumentKind", "code"), "post", "/api/v1/instrument-kinds/",
         lambda: {"code": "gauge", "name": "Refrigerant gauge"}, "code"),
        (_tried("tools.Instrument", "number"), "post", "/api/v1/instruments/",
         _instrument_body, "number"),
        (_tried("tools.ToolRequirement", "category", "kind"), "post", "/api/v1/tool-requirements/",
         _tool_requirement_body, "kind"),
        (_tried("outlets.Outlet", "code"), "post", "/api/v1/outlets/",
         lambda: {"code": "P-1", "name": "Partner one"}, "code"),
        (_tried("outlets.Outlet", "stock_location"), "post", "/api/v1/outlets/",
         lambda: {"code": "P-2", "name": "Partner two",
                  "stock_location": LocationFactory(kind="outlet").pk}, "stock_location"),
        (_tried("outlets.PartnerScorecard", "outlet", "period_start", "period_end"), "post",
         "/api/v1/partner-scorecards/", _scorecard_body, "period_start"),
        (_tried("charges.PriceList", "code"), "post", "/api/v1/price-lists/",
         lambda: {"code": "STD-9", "name": "Next", "effective_from": _tomorrow()}, "code"),
        (_tried("depot.LoanUnit", "number"), "post", "/api/v1/depot/loan-units/",
         _loan_unit_body, "number"),
        (_tried("warranty.WarrantyPartGroup", "code"), "post", "/api/v1/warranty/part-groups/",
         lambda: {"code": "compressor", "name": "Compressor"}, "code"),
        (_tried("warranty.WarrantyTerm", "product_model", "scope"), "post",
         "/api/v1/warranty/terms/",
         lambda: {"product_model": ProductModelFactory().code, "scope": "unit", "months": 12},
         "scope"),
        (_tried("warranty.WarrantyTerm", "product_model", "part_group"), "post",
         "/api/v1/warranty/terms/", _part_group_term_body, "scope"),
        (_tried("surveys.SurveyTemplate", "code", "version"), "post", "/api/v1/survey-templates/",
         lambda: {"code": "install", "title_en": "Installation",
                  "questions": [{"key": "overall", "text_en": "Overall?"}]}, "code"),
    ]  # fmt: skip


def _loan_unit_body():
    return {"number": "LU-1", "product_model": ProductModelFactory().code, "serial_number": "L1"}


def _tomorrow():
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


def _part_group_term_body():
    group = WarrantyPartGroup.objects.create(code="motor", name="Motor")
    return {
        "product_model": ProductModelFactory().code,
        "scope": "part_group",
        "part_group": group.code,
        "months": 36,
    }


def _product_body():
    return {
        "customer": CustomerFactory().pk,
        "model": ProductModelFactory().code,
        "serial_number": "SN-0001",
        "purchase_date": "2026-01-05",
    }


def _technician_body():
    return {
        "username": "wang.lei",
        "full_name": "Wang Lei",
        "phone": "13900139000",
        "employee_no": "E-100",
        "areas": [AreaFactory().code],
    }


def _scorecard_body():
    from tests.outlets.factories import OutletFactory

    return {"outlet": OutletFactory().pk, "period_start": "2026-01-01", "period_end": "2026-01-31"}


def _certification_body():
    return {
        "technician": TechnicianFactory().pk,
        "type": CertificationTypeFactory().code,
        "number": "DG-42",
        "issued_on": "2026-01-05",
    }


def _instrument_kind():
    from technicians.tools.models import InstrumentKind

    return InstrumentKind.objects.get_or_create(code="leak", defaults={"name": "Leak detector"})[0]


def _instrument_body():
    return {"number": "T-0042", "kind": _instrument_kind().code, "model": "LD-1"}


def _tool_requirement_body():
    return {"category": ProductCategoryFactory().code, "kind": _instrument_kind().code}


def _part_body():
    template = PartFactory.build()
    return {
        "sku": template.sku,
        "name": "Drain pump",
        "category": ProductCategoryFactory().code,
        "unit_cost": "10.00",
        "unit_price": "20.00",
    }


CASES = _cases()


@pytest.mark.parametrize(
    ("constraint", "method", "url", "body", "field"), CASES, ids=[c[2] for c in CASES]
)
def test_the_same_unique_value_twice_is_400_on_its_field(
    supervisor_client, constraint, method, url, body, field
):
    payload = body()
    first = getattr(supervisor_client, method)(url, payload, format="json")
    assert first.status_code == 201, first.content

    again = dict(payload)
    if "username" in again:  # another person with the same employee number
        again["username"] = "another.user"
    second = getattr(supervisor_client, method)(url, again, format="json")

    assert second.status_code == 400, second.content
    assert field in second.json()


def test_a_technician_username_taken_is_400(supervisor_client):
    body = _technician_body()
    assert supervisor_client.post("/api/v1/technicians/", body, format="json").status_code == 201

    second = supervisor_client.post(
        "/api/v1/technicians/", {**body, "employee_no": "E-101"}, format="json"
    )

    assert second.status_code == 400
    assert "username" in second.json()


def test_a_second_van_for_a_technician_is_400(supervisor_client):
    technician = TechnicianFactory()
    LocationFactory(code="VAN-1", kind="van", technician=technician)
    body = {"code": "VAN-X", "name": "Van", "kind": "van", "technician": technician.pk}

    response = supervisor_client.post("/api/v1/stock-locations/", body, format="json")

    assert response.status_code == 400, response.content
    assert "technician" in response.json()


def test_a_certificate_number_corrected_to_a_taken_one_is_400(supervisor_client):
    first = CertificationFactory(number="DG-1")
    second = CertificationFactory(type=first.type, number="DG-2")

    response = supervisor_client.patch(
        f"/api/v1/certifications/{second.pk}/", {"number": "DG-1"}, format="json"
    )

    assert response.status_code == 400
    assert "number" in response.json()
    assert Certification.objects.get(pk=second.pk).number == "DG-2"


def test_a_customer_phone_changed_to_a_taken_one_is_400(supervisor_client):
    CustomerFactory(phone="13700137000")
    other = CustomerFactory(phone="13700137001")

    response = supervisor_client.patch(
        f"/api/v1/customers/{other.pk}/", {"phone": "13700137000"}, format="json"
    )

    assert response.status_code == 400
    assert "phone" in response.json()


def test_a_second_published_price_list_for_a_day_is_400(supervisor_client):
    """One published list per day: the publish action, not the create, meets the
    constraint (drafts may share a day)."""
    ids = []
    for code in ("DAY-1", "DAY-2"):
        body = {"code": code, "name": code, "effective_from": _tomorrow()}
        created = supervisor_client.post("/api/v1/price-lists/", body, format="json")
        assert created.status_code == 201, created.content
        ids.append(created.json()["id"])
        rate = {"service_type": "repair", "amount": "100.00"}
        added = supervisor_client.post(
            f"/api/v1/price-lists/{ids[-1]}/labour-rates/", rate, format="json"
        )
        assert added.status_code == 200, added.content
    first = supervisor_client.post(f"/api/v1/price-lists/{ids[0]}/publish/", {}, format="json")
    assert first.status_code == 200, first.content

    second = supervisor_client.post(f"/api/v1/price-lists/{ids[1]}/publish/", {}, format="json")

    assert second.status_code == 400, second.content
    assert "effective_from" in second.json()
    assert PriceList.objects.get(pk=ids[0]).status == "published"
    assert PriceList.objects.get(pk=ids[1]).status == "draft"


def test_cost_rates_for_a_day_taken_are_400(make_user):
    """Finance publishes the cost rates (a supervisor may not), so not a generic case."""
    client = _client_for(make_user(Role.FINANCE, username="finance"))
    body = {"effective_from": "2026-01-01", "labour_hourly_rate": "85.00", "travel_km_rate": "1"}
    assert client.post("/api/v1/cost-rates/", body, format="json").status_code == 201

    again = client.post(
        "/api/v1/cost-rates/", {**body, "labour_hourly_rate": "90.00"}, format="json"
    )

    assert again.status_code == 400, again.content
    assert "effective_from" in again.json()
    assert CostRate.objects.get().labour_hourly_rate == Decimal("85.00")


def _api_written_models():
    """Models of every viewset that creates or edits through the API."""
    found = set()

    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns)
                continue
            callback = pattern.callback
            actions = getattr(callback, "actions", None) or {}
            cls = getattr(callback, "cls", None)
            writes = {"create", "update", "partial_update"} & set(actions.values())
            queryset = getattr(cls, "queryset", None)
            if writes and queryset is not None:
                found.add(queryset.model)

    walk(get_resolver().url_patterns)
    return found


def _unique_sets(model):
    for field in model._meta.fields:
        if field.unique and not field.primary_key:
            yield (model._meta.label, (field.name,))
    for constraint in model._meta.constraints:
        if isinstance(constraint, UniqueConstraint) and constraint.fields:
            yield (model._meta.label, tuple(constraint.fields))


def test_every_unique_constraint_the_api_can_hit_is_tried():
    models = _api_written_models()
    assert len(models) > 10  # the walk found the API's viewsets
    hit = {unique for model in models for unique in _unique_sets(model)}
    tried = {case[0] for case in CASES} | {
        ("parts.StockLocation", ("technician",)),  # the second van: the test above
        ("charges.PriceList", ("effective_from",)),  # the publish action: the test above
        ("costs.CostRate", ("effective_from",)),  # finance's: the test above
    }

    assert hit - tried - set(SERVER_MADE) == set()


def test_a_value_taken_between_the_check_and_the_insert_is_a_field_error():
    """What a concurrent writer's insert does to a service (aftersales.unique): the
    database's own refusal becomes the field error, and the transaction goes on."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from aftersales.unique import unique_or_invalid
    from tickets.models import Area

    AreaFactory(code="east")
    with transaction.atomic():
        with pytest.raises(ValidationError) as raised, unique_or_invalid("code", "Taken."):
            Area.objects.create(code="east", name="East again")
        assert Area.objects.filter(code="east").count() == 1  # still usable

    assert raised.value.message_dict == {"code": ["Taken."]}
