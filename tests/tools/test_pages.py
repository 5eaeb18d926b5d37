"""The ledger pages: roles (technicians cannot edit, supervisors can), the filters, a
constant number of queries, the requirements page, the certificate's access."""

import pytest
from django.urls import reverse
from django.utils import timezone

from technicians.tools.models import CalibrationRecord, ToolRequirement

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.fixture
def auditor_client(client, auditor):
    client.force_login(auditor)
    return client


def test_the_ledger_filters_and_pages_in_constant_queries(
    supervisor_client, technician, make_instrument, django_assert_max_num_queries
):
    for _ in range(15):
        make_instrument("gauge", due_in=100, holder=technician)
    make_instrument("leak", due_in=2, number="SOON")
    with django_assert_max_num_queries(20):
        page = supervisor_client.get(reverse("tool-ledger-page"))
    assert page.status_code == 200
    for _ in range(15):
        make_instrument("gauge", due_in=100)
    with django_assert_max_num_queries(20):
        assert supervisor_client.get(reverse("tool-ledger-page")).status_code == 200
    text = supervisor_client.get(reverse("tool-ledger-page") + "?due_within=7").content.decode()
    assert "SOON" in text and "I-0001" not in text
    text = supervisor_client.get(reverse("tool-ledger-page") + "?kind=leak").content.decode()
    assert "SOON" in text and "I-0001" not in text
    bad = supervisor_client.get(reverse("tool-ledger-page") + "?due_within=abc")
    assert bad.status_code == 400


def test_technicians_cannot_open_the_ledger_but_see_their_tools(
    client, technician, make_instrument
):
    make_instrument(holder=technician, number="MINE-1")
    client.force_login(technician.user)
    assert client.get(reverse("tool-ledger-page")).status_code == 403
    assert client.get(reverse("tool-requirements-page")).status_code == 403
    mine = client.get(reverse("my-tools-page"))
    assert mine.status_code == 200 and "MINE-1" in mine.content.decode()


def test_a_supervisor_records_a_calibration_on_the_page(supervisor_client, make_instrument):
    instrument = make_instrument(due_in=-1)
    response = supervisor_client.post(
        reverse("instrument-page", args=[instrument.pk]),
        {
            "action": "calibrate",
            "calibrate-calibrated_on": timezone.localdate().isoformat(),
            "calibrate-laboratory": "Lab",
            "calibrate-result": "pass",
        },
    )
    assert response.status_code == 302
    assert CalibrationRecord.objects.get().result == "pass"
    refused = supervisor_client.post(
        reverse("instrument-page", args=[instrument.pk]),
        {"action": "calibrate", "calibrate-calibrated_on": "2999-01-01",
         "calibrate-laboratory": "L", "calibrate-result": "pass"},
    )  # fmt: skip
    assert refused.status_code == 400


def test_an_auditor_reads_but_cannot_post(auditor_client, make_instrument):
    instrument = make_instrument()
    url = reverse("instrument-page", args=[instrument.pk])
    assert auditor_client.get(url).status_code == 200
    assert (
        auditor_client.post(url, {"action": "status", "status-status": "retired"}).status_code
        == 403
    )


def test_the_requirements_page_sets_a_categorys_kinds(supervisor_client, kinds):
    from tests.tickets.factories import ProductCategoryFactory

    category = ProductCategoryFactory()
    response = supervisor_client.post(
        reverse("tool-requirements-page"),
        {"category": category.pk, f"c{category.pk}-kinds": [kinds["gauge"].pk, kinds["leak"].pk]},
    )
    assert response.status_code == 302
    assert ToolRequirement.objects.filter(category=category).count() == 2
    page = supervisor_client.get(reverse("tool-requirements-page")).content.decode()
    assert "Air conditioners" in page
