"""The technicians part of the REST contract: certificates, training, filters, performance."""

import datetime

import pytest
from django.utils import timezone

from technicians.models import Certification
from tests.tickets.factories import (
    AreaFactory,
    CertificationFactory,
    CertificationTypeFactory,
    CustomerFactory,
    ProductCategoryFactory,
    ProductFactory,
    TechnicianFactory,
    appointment,
    make_ticket,
)
from tickets import services as tickets

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def test_certification_types_list_and_create_with_category_codes(supervisor_client, agent_client):
    ProductCategoryFactory(code="aircon")
    ProductCategoryFactory(code="washer", name="Washers")
    response = supervisor_client.post(
        "/api/v1/certification-types/",
        {
            "code": "cooling",
            "name": "Cooling",
            "categories": ["aircon", "washer"],
            "validity_months": 24,
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert sorted(response.data["categories"]) == ["aircon", "washer"]
    assert (
        agent_client.post(
            "/api/v1/certification-types/", {"code": "x", "name": "x"}, format="json"
        ).status_code
        == 403
    )
    bad = supervisor_client.post(
        "/api/v1/certification-types/",
        {"code": "bad", "name": "Bad", "categories": ["nope"], "validity_months": 0},
        format="json",
    )
    assert bad.status_code == 400
    assert {"categories", "validity_months"} <= set(bad.data)


def test_certification_create_returns_status_and_default_expiry(supervisor_client, technician):
    CertificationTypeFactory(code="electrician", validity_months=12)
    issued = TODAY() - datetime.timedelta(days=350)
    response = supervisor_client.post(
        "/api/v1/certifications/",
        {
            "technician": technician.pk,
            "type": "electrician",
            "number": "E-77",
            "issued_on": issued.isoformat(),
            "issuer": "MOHRSS",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["status"] == "expiring"
    assert response.data["verified_by"] == "supervisor"
    assert response.data["expires_on"] == (issued + datetime.timedelta(days=365)).isoformat()


def test_expired_certificate_cannot_be_made_valid_by_editing_dates(supervisor_client, technician):
    expired = CertificationFactory(
        technician=technician,
        issued_on=TODAY() - datetime.timedelta(days=800),
        expires_on=TODAY() - datetime.timedelta(days=5),
    )
    url = f"/api/v1/certifications/{expired.pk}/"
    assert supervisor_client.get(url).data["status"] == "expired"
    future = (TODAY() + datetime.timedelta(days=300)).isoformat()
    for body in ({"expires_on": future}, {"issued_on": TODAY().isoformat()}):
        response = supervisor_client.patch(url, body, format="json")
        assert response.status_code == 400, response.data
    assert supervisor_client.put(url, {"expires_on": future}, format="json").status_code == 405
    expired.refresh_from_db()
    assert expired.expires_on == TODAY() - datetime.timedelta(days=5)
    # Paperwork corrections are fine; the renewal is a new certificate.
    assert supervisor_client.patch(url, {"issuer": "MOHRSS"}, format="json").status_code == 200
    renewal = supervisor_client.post(
        "/api/v1/certifications/",
        {
            "technician": technician.pk,
            "type": expired.type.code,
            "number": "RENEWED-1",
            "issued_on": TODAY().isoformat(),
        },
        format="json",
    )
    assert renewal.status_code == 201 and renewal.data["status"] == "valid"
    assert Certification.objects.filter(technician=technician).count() == 3


def test_correcting_a_number_to_one_the_type_already_has_is_400_not_500(
    supervisor_client, technician
):
    """Found by schemathesis: the unique (type, number) constraint answered 500."""
    first = CertificationFactory(technician=technician, number="DG-1")
    second = CertificationFactory(technician=technician, type=first.type, number="DG-2")
    response = supervisor_client.patch(
        f"/api/v1/certifications/{second.pk}/", {"number": "DG-1"}, format="json"
    )
    assert response.status_code == 400
    assert "number" in response.data
    second.refresh_from_db()
    assert second.number == "DG-2"


def test_certification_revoke_action(supervisor_client, agent_client, technician):
    certificate = technician.certifications.get()
    url = f"/api/v1/certifications/{certificate.pk}/revoke/"
    assert agent_client.post(url, {"reason": "x"}, format="json").status_code == 403
    assert supervisor_client.post(url, {}, format="json").status_code == 400
    response = supervisor_client.post(url, {"reason": "Forged stamp"}, format="json")
    assert response.status_code == 200
    assert response.data["status"] == "revoked"
    assert supervisor_client.post(url, {"reason": "again"}, format="json").status_code == 400


def test_technician_sees_only_their_own_certificates(technician_client, technician):
    CertificationFactory(technician=TechnicianFactory())
    response = technician_client.get("/api/v1/certifications/")
    assert [row["technician"] for row in response.data["results"]] == [technician.pk]


def test_certification_filters(supervisor_client, technician):
    CertificationFactory(
        technician=technician,
        issued_on=TODAY() - datetime.timedelta(days=800),
        expires_on=TODAY() - datetime.timedelta(days=5),
    )
    CertificationFactory(technician=technician, expires_on=TODAY() + datetime.timedelta(days=10))

    def statuses(**query):
        rows = supervisor_client.get("/api/v1/certifications/", query).data["results"]
        return sorted(row["status"] for row in rows)

    assert statuses() == ["expired", "expiring", "valid"]
    assert statuses(status="expired") == ["expired"]
    assert statuses(status="expiring") == ["expiring"]
    assert statuses(status="valid") == ["valid"]
    assert statuses(category="aircon") == ["valid"]
    assert supervisor_client.get("/api/v1/certifications/", {"status": "x"}).status_code == 400


def test_training_records_and_compliance(supervisor_client, technician_client, technician):
    url = "/api/v1/training-records/"
    body = {
        "technician": technician.pk,
        "course": "R32 refrigerant",
        "theory_hours": "20",
        "practical_hours": "10",
        "completed_on": TODAY().isoformat(),
        "score": "88.5",
    }
    assert technician_client.post(url, body, format="json").status_code == 403
    assert supervisor_client.post(url, body, format="json").status_code == 201
    bad = supervisor_client.post(url, {**body, "score": "120", "theory_hours": "-1"}, format="json")
    assert bad.status_code == 400 and {"score", "theory_hours"} <= set(bad.data)
    TechnicianFactory(employee_no="T99")  # nothing recorded: non-compliant
    rows = supervisor_client.get("/api/v1/technicians/training-compliance/").data
    assert {(r["employee_no"], r["compliant"]) for r in rows} == {
        (technician.employee_no, True),
        ("T99", False),
    }
    flagged = supervisor_client.get(
        "/api/v1/technicians/training-compliance/", {"compliant": "false"}
    ).data
    assert [r["employee_no"] for r in flagged] == ["T99"]
    assert technician_client.get("/api/v1/technicians/training-compliance/").status_code == 403


def test_technician_filters_area_certified_for_available_on_active(supervisor_client, agent):
    pudong, xuhui = AreaFactory(code="pudong"), AreaFactory(code="xuhui", name="Xuhui")
    TechnicianFactory(employee_no="A", areas=[pudong])
    TechnicianFactory(employee_no="B", areas=[xuhui], certified_for=["washer"])
    TechnicianFactory(employee_no="C", areas=[pudong], active=False)
    absent = TechnicianFactory(employee_no="D", areas=[pudong])
    full = TechnicianFactory(employee_no="E", areas=[pudong], max_jobs_per_day=1)
    tomorrow = TODAY() + datetime.timedelta(days=1)
    absent.absences.create(kind="leave", starts_on=tomorrow, ends_on=tomorrow)
    ticket = tickets.ticket_triage(
        ticket=make_ticket(actor=agent, customer=CustomerFactory(area=pudong)),
        actor=agent,
        priority="p3",
        warranty_decision="out_of_warranty",
    )
    start, end = appointment(days=1)
    tickets.ticket_dispatch(
        ticket=ticket,
        actor=supervisor_client.user,
        technician=full,
        appointment_start=start,
        appointment_end=end,
    )

    def employees(**query):
        rows = supervisor_client.get("/api/v1/technicians/", query).data["results"]
        return [row["employee_no"] for row in rows]

    assert employees(area="xuhui") == ["B"]
    assert employees(certified_for="washer") == ["B"]
    assert employees(certified_for="aircon", area="pudong") == ["A", "C", "D", "E"]
    assert employees(active="false") == ["C"]
    assert employees(available_on=tomorrow.isoformat()) == ["A", "B"]
    assert employees(available_on=tomorrow.isoformat(), certified_for="aircon") == ["A"]
    response = supervisor_client.get("/api/v1/technicians/", {"available_on": "soon"})
    assert response.status_code == 400


def test_technician_patch_goes_through_the_service(supervisor_client, agent_client, technician):
    url = f"/api/v1/technicians/{technician.pk}/"
    body = {"working_days": [1, 2, 3, 4, 5], "max_jobs_per_day": 4}
    assert agent_client.patch(url, body, format="json").status_code == 403
    response = supervisor_client.patch(url, body, format="json")
    assert response.status_code == 200, response.data
    assert response.data["working_days"] == [1, 2, 3, 4, 5]
    bad = supervisor_client.patch(url, {"working_days": [0, 8]}, format="json")
    assert bad.status_code == 400 and "working_days" in bad.data


def test_absences_api_reports_affected_jobs(supervisor_client, technician):
    tomorrow = (TODAY() + datetime.timedelta(days=1)).isoformat()
    response = supervisor_client.post(
        "/api/v1/absences/",
        {"technician": technician.pk, "kind": "sick", "starts_on": tomorrow, "ends_on": tomorrow},
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["affected_tickets"] == []
    assert supervisor_client.delete(f"/api/v1/absences/{response.data['id']}/").status_code == 204


def test_performance_endpoints(supervisor_client, technician_client, technician):
    response = supervisor_client.get(
        f"/api/v1/technicians/{technician.pk}/performance/",
        {"from": "2026-01-01", "to": "2026-03-31"},
    )
    assert response.status_code == 200
    assert response.data["jobs_done"] == 0
    assert response.data["first_time_fix_rate"] is None
    assert (
        technician_client.get(f"/api/v1/technicians/{technician.pk}/performance/").status_code
        == 200
    )
    listing = supervisor_client.get("/api/v1/technicians/performance/")
    assert listing.status_code == 200 and listing.data["results"][0]["technician"] == technician.pk
    assert technician_client.get("/api/v1/technicians/performance/").status_code == 403
    bad = supervisor_client.get(
        "/api/v1/technicians/performance/", {"from": "2026-05-01", "to": "2026-01-01"}
    )
    assert bad.status_code == 400 and "from" in bad.data


def test_api_dispatch_of_unqualified_technician_is_409_not_qualified_with_reasons(
    agent, supervisor_client
):
    area = AreaFactory(code="pudong")
    ticket = tickets.ticket_triage(
        ticket=make_ticket(actor=agent, product=ProductFactory(customer__area=area)),
        actor=agent,
        priority="p3",
        warranty_decision="in_warranty",
    )
    washer_only = TechnicianFactory(
        areas=[AreaFactory(code="xuhui", name="X")], certified_for=["washer"]
    )
    start, end = appointment()
    response = supervisor_client.post(
        f"/api/v1/tickets/{ticket.pk}/dispatch/",
        {
            "technician": washer_only.pk,
            "appointment_start": start.isoformat(),
            "appointment_end": end.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 409
    assert response.data["code"] == "not_qualified"
    assert response.data["reasons"] == ["not_certified", "area_not_covered"]


def test_home_outlet_must_be_a_service_outlet(supervisor_client, technician, supervisor):
    from parts.models import StockLocation

    StockLocation.objects.create(code="OUT-1", name="Outlet", kind="outlet")
    StockLocation.objects.create(code="WH-1", name="Warehouse", kind="warehouse")
    url = f"/api/v1/technicians/{technician.pk}/"
    response = supervisor_client.patch(url, {"home_outlet": "OUT-1"}, format="json")
    assert response.status_code == 200 and response.data["home_outlet"] == "OUT-1"
    refused = supervisor_client.patch(url, {"home_outlet": "WH-1"}, format="json")
    assert refused.status_code == 400 and "home_outlet" in refused.data


def test_certificate_document_is_served_to_who_may_see_it_only(
    supervisor_client, technician_client, technician, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    CertificationTypeFactory(code="electrician", validity_months=12)
    created = supervisor_client.post(
        "/api/v1/certifications/",
        {"technician": technician.pk, "type": "electrician", "number": "E-9",
         "issued_on": TODAY().isoformat(),
         "document": SimpleUploadedFile("e9.pdf", b"%PDF-1.4 card")},
        format="multipart",
    )  # fmt: skip
    assert created.status_code == 201, created.data
    url = f"/api/v1/certifications/{created.data['id']}/document/"
    assert created.data["document"].endswith(url)
    for client in (supervisor_client, technician_client):  # the holder sees their own
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.4 card"
    other = TechnicianFactory()
    other_client = _client_for_user(other.user)
    assert other_client.get(url).status_code == 404
    assert (
        client.get("/media/" + Certification.objects.get(number="E-9").document.name).status_code
        == 404
    )
    no_file = technician.certifications.exclude(number="E-9").get()
    assert (
        supervisor_client.get(f"/api/v1/certifications/{no_file.pk}/document/").status_code == 404
    )


def _client_for_user(user):
    from tests.conftest import _client_for

    return _client_for(user)
