"""The ledger's REST API per endpoint and role: supervisors write, technicians read their
own instruments and cannot edit, certificates go to ledger readers only, filters."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from technicians.tools.models import CalibrationRecord, Instrument, ToolRequirement

pytestmark = pytest.mark.django_db
BASE = "/api/v1/"


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "PNG")
    return SimpleUploadedFile("cert.png", buffer.getvalue(), content_type="image/png")


def test_a_supervisor_adds_issues_and_calibrates(
    api_client_for, supervisor, technician, kinds, store
):
    client = api_client_for(supervisor)
    created = client.post(
        f"{BASE}instruments/", {"number": "T-1", "kind": "gauge", "location": "WH1"}, format="json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["calibration_state"] == "missing"
    issued = client.post(
        f"{BASE}instruments/{pk}/issue/", {"technician": technician.pk}, format="json"
    )
    assert issued.status_code == 200, issued.content
    assert issued.json()["holder"] == technician.pk
    today = timezone.localdate().isoformat()
    calibrated = client.post(
        f"{BASE}instruments/{pk}/calibrate/",
        {"calibrated_on": today, "laboratory": "Lab", "result": "pass", "certificate": _png()},
        format="multipart",
    )
    assert calibrated.status_code == 200, calibrated.content
    record = CalibrationRecord.objects.get()
    assert record.certificate
    assert calibrated.json()["certificate"].endswith(f"/calibrations/{record.pk}/certificate/")
    assert Instrument.objects.get(pk=pk).calibration_due_on is not None
    download = client.get(f"{BASE}calibrations/{record.pk}/certificate/")
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    returned = client.post(f"{BASE}instruments/{pk}/return/", {"location": "WH1"}, format="json")
    assert returned.status_code == 200 and returned.json()["holder"] is None


def test_a_technician_reads_their_own_and_cannot_edit(
    api_client_for, technician, make_instrument, other_tech
):
    mine = make_instrument(holder=technician)
    theirs = make_instrument(holder=other_tech)
    client = api_client_for(technician.user)
    listed = client.get(f"{BASE}instruments/")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [mine.pk]
    assert client.get(f"{BASE}instruments/{theirs.pk}/").status_code == 404
    assert (
        client.post(
            f"{BASE}instruments/", {"number": "X", "kind": "gauge"}, format="json"
        ).status_code
        == 403
    )
    refused = client.post(
        f"{BASE}instruments/{mine.pk}/calibrate/",
        {"calibrated_on": timezone.localdate().isoformat(), "laboratory": "L", "result": "pass"},
        format="json",
    )
    assert refused.status_code == 403
    assert (
        client.post(
            f"{BASE}instrument-kinds/", {"code": "x", "name": "X"}, format="json"
        ).status_code
        == 403
    )
    assert client.get(f"{BASE}tool-requirements/").status_code == 200


def test_certificates_are_not_served_to_technicians(
    api_client_for, supervisor, technician, make_instrument
):
    instrument = make_instrument(holder=technician)
    api_client_for(supervisor).post(
        f"{BASE}instruments/{instrument.pk}/calibrate/",
        {"calibrated_on": timezone.localdate().isoformat(), "laboratory": "L", "result": "pass",
         "certificate": _png()},
        format="multipart",
    )  # fmt: skip
    record = CalibrationRecord.objects.get()
    client = api_client_for(technician.user)
    assert client.get(f"{BASE}calibrations/{record.pk}/").status_code == 200
    assert client.get(f"{BASE}calibrations/{record.pk}/certificate/").status_code == 403


def test_bad_input_is_400(api_client_for, supervisor, make_instrument):
    client = api_client_for(supervisor)
    instrument = make_instrument()
    bad = client.post(
        f"{BASE}instruments/{instrument.pk}/calibrate/",
        {"calibrated_on": "2999-01-01", "laboratory": "L", "result": "maybe"},
        format="json",
    )
    assert bad.status_code == 400 and "result" in bad.json()
    unknown = client.post(
        f"{BASE}instruments/", {"number": "Z", "kind": "gauge", "colour": "red"}, format="json"
    )
    assert unknown.status_code == 400 and "colour" in unknown.json()
    status = client.post(
        f"{BASE}instruments/{instrument.pk}/status/", {"status": "gone"}, format="json"
    )
    assert status.status_code == 400


def test_requirements_are_set_by_supervisors(api_client_for, supervisor, kinds):
    from tests.tickets.factories import ProductCategoryFactory

    ProductCategoryFactory()
    client = api_client_for(supervisor)
    created = client.post(
        f"{BASE}tool-requirements/", {"category": "aircon", "kind": "leak"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert ToolRequirement.objects.count() == 1
    assert client.delete(f"{BASE}tool-requirements/{created.json()['id']}/").status_code == 204
    assert ToolRequirement.objects.count() == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=in_calibration", ["B"]),
        ("kind=leak", ["C"]),
        ("due_within=7", ["A", "C"]),
        ("holder={tech}", ["A"]),
    ],
)
def test_the_ledger_filters(
    api_client_for, supervisor, technician, make_instrument, query, expected
):
    from technicians.tools import services

    make_instrument("gauge", due_in=3, holder=technician, number="A")
    b = make_instrument("gauge", due_in=100, number="B")
    services.instrument_status_set(instrument=b, actor=supervisor, status="in_calibration")
    make_instrument("leak", due_in=None, number="C")
    response = api_client_for(supervisor).get(
        f"{BASE}instruments/?" + query.format(tech=technician.pk)
    )
    assert response.status_code == 200, response.content
    assert [row["number"] for row in response.json()["results"]] == expected


def test_the_list_runs_a_constant_number_of_queries(
    api_client_for, supervisor, technician, make_instrument, django_assert_max_num_queries
):
    for _ in range(12):
        make_instrument(holder=technician)
    client = api_client_for(supervisor)
    with django_assert_max_num_queries(8):
        assert client.get(f"{BASE}instruments/").status_code == 200
