"""Issue 12 (items 5 and 6): uploads and malformed input answer 4xx, never 500, and a
write that asks for something it cannot do is refused rather than half-done."""

import base64
import io
from pathlib import Path

import pytest
from django.db import transaction
from django.test.client import MULTIPART_CONTENT, encode_multipart
from PIL import Image

from technicians.models import Certification
from technicians.services import certification_update
from tests.tickets.factories import (
    CertificationTypeFactory,
    CustomerFactory,
    advance,
    make_ticket,
)
from tickets.choices import TicketStatus
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

DEEP_JSON = b"[" * 1100 + b"]" * 1100
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
BAD_OFFSET = "2026-01-01T00:00:00+20:00"


def _image(fmt, size=(40, 30), **save):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt, **save)
    return out.getvalue()


def _jpeg_with_gps():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (31.0, 14.0, 0.0)  # latitude of Shanghai
    gps[3], gps[4] = "E", (121.0, 28.0, 0.0)
    return _image("JPEG", exif=exif.tobytes())


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def cert_type(db):
    return CertificationTypeFactory(code="electrician", validity_months=12)


def _upload(name, content, content_type="application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def _create_certificate(client, technician, document, number="E-1"):
    from django.utils import timezone

    return client.post(
        "/api/v1/certifications/",
        {
            "technician": technician.pk,
            "type": "electrician",
            "number": number,
            "issued_on": timezone.localdate().isoformat(),
            "document": document,
        },
        format="multipart",
    )


# --- Deep JSON ---------------------------------------------------------------------------


def test_deep_json_to_the_token_endpoint_is_a_400_for_anyone(anon_client):
    response = anon_client.post(
        "/api/v1/auth/token/", data=DEEP_JSON, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested" in response.data["detail"]


def test_deep_json_to_ticket_create_is_a_400(agent_client):
    response = agent_client.post(
        "/api/v1/tickets/", data=DEEP_JSON, content_type="application/json"
    )
    assert response.status_code == 400
    # Just past the limit (65 levels) is refused too; at the limit it parses.
    too_deep = b'{"a":' * 65 + b"1" + b"}" * 65
    assert (
        agent_client.post(
            "/api/v1/tickets/", data=too_deep, content_type="application/json"
        ).status_code
        == 400
    )


def test_oversize_and_non_utf8_json_bodies_are_a_400(agent_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = b'{"description": "' + b"x" * 2000 + b'"}'
    assert (
        agent_client.post("/api/v1/tickets/", data=big, content_type="application/json")
    ).status_code == 400
    garbage = agent_client.post(
        "/api/v1/tickets/", data=b'{"description": "\xff\xfe"}', content_type="application/json"
    )
    assert garbage.status_code == 400


# --- Date-time filters --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/v1/audit-events/", "after"),
        ("/api/v1/audit-events/", "before"),
        ("/api/v1/stock-movements/", "after"),
        ("/api/v1/tickets/", "created_after"),
        ("/api/v1/tickets/", "created_before"),
    ],
)
def test_datetime_filters_refuse_an_impossible_utc_offset(supervisor_client, url, param):
    response = supervisor_client.get(url, {param: BAD_OFFSET})
    assert response.status_code == 400
    assert param in response.data and "UTC offset" in str(response.data[param])


def test_datetime_filters_take_real_offsets_and_refuse_out_of_range_instants(supervisor_client):
    ok = supervisor_client.get("/api/v1/tickets/", {"created_after": "2026-01-01T00:00:00+14:00"})
    assert ok.status_code == 200
    for value in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"):
        assert supervisor_client.get("/api/v1/audit-events/", {"after": value}).status_code == 400


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/reports/kpis/", {"from": "0001-01-01", "to": "2026-01-01"}),
        ("/api/v1/reports/sla/", {"from": "2026-01-01", "to": "0001-01-01"}),
        ("/api/v1/technicians/", {"available_on": "9999-12-31"}),
        ("/api/v1/technicians/performance/", {"to": "9999-12-31"}),
        ("/api/v1/technicians/training-compliance/", {"on": "0001-01-01"}),
    ],
)
def test_dates_at_the_edge_of_the_calendar_are_a_400(supervisor_client, url, params):
    assert supervisor_client.get(url, params).status_code == 400


# --- Other malformed input ------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"technician": "9" * 30},
        {"customer": "9" * 30},
        {"owner": "-" + "9" * 30},
        {"page_size": "-1"},
        {"page_size": "9" * 30},
        {"cursor": "not-a-cursor"},
        {"ordering": "-nonexistent"},
    ],
)
def test_odd_query_parameters_never_answer_500(supervisor_client, params):
    assert supervisor_client.get("/api/v1/tickets/", params).status_code < 500


def test_huge_ids_and_empty_or_broken_multipart_never_answer_500(supervisor_client, technician):
    assert supervisor_client.get("/api/v1/tickets/" + "9" * 30 + "/").status_code == 404
    empty = supervisor_client.post(
        "/api/v1/certifications/", data=b"", content_type="multipart/form-data; boundary=x"
    )
    assert empty.status_code == 400
    broken = supervisor_client.post(
        "/api/v1/certifications/", data=b"garbage", content_type="multipart/form-data"
    )
    assert broken.status_code == 400


# --- Signatures -----------------------------------------------------------------------------


@pytest.fixture
def awaiting(agent, supervisor, technician):
    customer = CustomerFactory(area=technician.areas.first())
    ticket = make_ticket(actor=agent, customer=customer)
    return advance(
        ticket,
        TicketStatus.AWAITING_CONFIRMATION,
        desk=agent,
        supervisor=supervisor,
        technician=technician,
    )


@pytest.mark.parametrize(
    "signature",
    [
        "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n").decode(),
        "data:image/png;base64," + base64.b64encode(HTML).decode(),
        "data:image/png;base64," + base64.b64encode(SVG).decode(),
        "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff" + b"\x00" * 50).decode(),
        "data:image/png;base64,"
        + base64.b64encode(_image("PNG", size=(2000, 2000))[:300]).decode(),
    ],
    ids=["png-magic-only", "html", "svg", "jpeg-magic-only", "truncated-png"],
)
def test_a_signature_that_is_not_an_image_is_refused_and_the_ticket_stays_open(
    technician_client, awaiting, signature
):
    response = technician_client.post(
        f"/api/v1/tickets/{awaiting.pk}/confirm/",
        {"accepted": True, "satisfaction": 5, "signature": signature},
        format="json",
    )
    assert response.status_code == 400
    assert "signature" in response.data
    stored = Ticket.objects.get(pk=awaiting.pk)
    assert (stored.status, stored.confirmation_signature) == ("awaiting_confirmation", "")


def test_a_signature_is_stored_re_encoded_without_metadata(technician_client, awaiting):
    signature = "data:image/jpeg;base64," + base64.b64encode(_jpeg_with_gps()).decode()
    response = technician_client.post(
        f"/api/v1/tickets/{awaiting.pk}/confirm/",
        {"accepted": True, "satisfaction": 5, "signature": signature},
        format="json",
    )
    assert response.status_code == 200, response.data
    stored = Ticket.objects.get(pk=awaiting.pk).confirmation_signature
    assert stored.startswith("data:image/jpeg;base64,") and stored != signature
    image = Image.open(io.BytesIO(base64.b64decode(stored.split(",", 1)[1])))
    assert image.size == (40, 30) and not image.getexif()


# --- Uploads --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("scan.pdf", HTML),
        ("scan.png", SVG),
        ("scan.pdf", EXE),
        ("scan.exe", EXE),
        ("scan.html", HTML),
        ("scan.png", b"\x89PNG\r\n\x1a\n" + HTML),  # a PNG header on something else
    ],
)
def test_uploads_of_a_disguised_type_are_refused(
    supervisor_client, technician, cert_type, media, name, content
):
    response = _create_certificate(supervisor_client, technician, _upload(name, content))
    assert response.status_code == 400
    message = str(response.data["document"])
    assert "PDF, PNG, JPEG, WebP" in message and "10 MB" in message
    assert not Certification.objects.filter(number="E-1").exists()
    assert not any(media.rglob("*.*"))


def test_an_oversize_upload_is_refused_with_the_limit(
    supervisor_client, technician, cert_type, media, settings
):
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "certificate_document": 1024}
    response = _create_certificate(
        supervisor_client, technician, _upload("big.pdf", PDF_BYTES + b"0" * 2000)
    )
    assert response.status_code == 400
    assert "1 KB" in str(response.data["document"])


def test_a_body_larger_than_any_upload_limit_is_stopped_while_it_streams(
    supervisor_client, technician, cert_type, media, settings
):
    settings.UPLOAD_MAX_BYTES = {"certificate_document": 1024, "evidence": 2048, "signature": 512}
    body = encode_multipart(
        "BoUnDaRy", {"number": "E-1", "document": _upload("big.pdf", PDF_BYTES + b"0" * 5000)}
    )
    response = supervisor_client.post(
        "/api/v1/certifications/", data=body, content_type=MULTIPART_CONTENT
    )
    assert response.status_code == 400
    assert not any(media.rglob("*.*"))


def test_a_jpeg_comes_back_re_encoded_without_its_gps_position(
    supervisor_client, technician, cert_type, media
):
    original = _jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test is real
    created = _create_certificate(
        supervisor_client, technician, _upload("photo.jpeg", original, "image/jpeg")
    )
    assert created.status_code == 201, created.data
    download = supervisor_client.get(created.data["document"])
    content = b"".join(download.streaming_content)
    image = Image.open(io.BytesIO(content))
    assert image.format == "JPEG" and image.size == (40, 30)
    assert not image.getexif() and b"PhoneMaker" not in content


def test_files_are_served_with_the_sniffed_type_as_attachments_with_nosniff(
    supervisor_client, technician, cert_type, media
):
    png = _image("PNG")
    created = _create_certificate(supervisor_client, technician, _upload("scan.pdf", png))
    assert created.status_code == 201, created.data
    stored = Certification.objects.get(number="E-1").document
    assert stored.name.endswith("/scan.png")  # the sniffed extension, not the claimed one
    download = supervisor_client.get(created.data["document"])
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert 'filename="scan.png"' in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    pdf = _create_certificate(
        supervisor_client, technician, _upload("cert.PDF", PDF_BYTES), number="E-2"
    )
    served = supervisor_client.get(pdf.data["document"])
    assert served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content) == PDF_BYTES  # PDFs are checked, not rewritten


def test_an_upload_stored_before_the_checks_is_served_as_octet_stream(
    supervisor_client, technician, cert_type, media
):
    from django.core.files.base import ContentFile

    created = _create_certificate(supervisor_client, technician, _upload("a.pdf", PDF_BYTES))
    certification = Certification.objects.get(pk=created.data["id"])
    certification.document.save("legacy.html", ContentFile(HTML))
    served = supervisor_client.get(created.data["document"])
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"].startswith("attachment;")


def test_a_replaced_document_is_deleted_after_commit(
    supervisor_client, technician, cert_type, media, django_capture_on_commit_callbacks
):
    created = _create_certificate(supervisor_client, technician, _upload("old.pdf", PDF_BYTES))
    old = Path(Certification.objects.get(pk=created.data["id"]).document.path)
    assert old.exists()
    with django_capture_on_commit_callbacks(execute=True):
        replaced = supervisor_client.patch(
            f"/api/v1/certifications/{created.data['id']}/",
            {"document": _upload("new.png", _image("PNG"))},
            format="multipart",
        )
    assert replaced.status_code == 200, replaced.data
    new = Path(Certification.objects.get(pk=created.data["id"]).document.path)
    assert new.exists() and new.suffix == ".png"
    assert not old.exists()


def test_a_replaced_document_is_kept_when_the_change_rolls_back(
    supervisor, technician, cert_type, media, supervisor_client, django_capture_on_commit_callbacks
):
    created = _create_certificate(supervisor_client, technician, _upload("old.pdf", PDF_BYTES))
    certification = Certification.objects.get(pk=created.data["id"])
    old = Path(certification.document.path)

    class Abort(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Abort),
        transaction.atomic(),
    ):
        certification_update(
            certification=certification,
            actor=supervisor,
            document=_upload("new.pdf", PDF_BYTES),
        )
        raise Abort
    assert callbacks == []
    assert old.exists()
    assert Certification.objects.get(pk=certification.pk).document.name.endswith("old.pdf")


# --- Read-only and unknown keys -------------------------------------------------------------


def test_a_read_only_field_in_a_write_is_refused(supervisor_client, technician, cert_type, media):
    response = supervisor_client.post(
        "/api/v1/certifications/",
        {
            "technician": technician.pk,
            "type": "electrician",
            "number": "E-9",
            "issued_on": "2026-01-05",
            "status": "valid",
            "verified_by": "someone",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.data["status"] == ["This field is read-only."]
    assert response.data["verified_by"] == ["This field is read-only."]
    assert not Certification.objects.filter(number="E-9").exists()


def test_an_unknown_key_is_refused_with_the_other_field_errors(agent_client):
    response = agent_client.post(
        "/api/v1/tickets/",
        {"channel": "phone", "category": "repair", "description": "x", "priorty": "p1"},
        format="json",
    )
    assert response.status_code == 400
    assert response.data["priorty"] == ["Unknown field."]
    assert "customer" in response.data  # reported together, not one at a time


def test_read_only_keys_are_refused_in_updates_and_actions(
    supervisor_client, integrator_client, technician
):
    patch = supervisor_client.patch(
        f"/api/v1/technicians/{technician.pk}/", {"created_at": "2020-01-01"}, format="json"
    )
    assert patch.status_code == 400 and patch.data["created_at"] == ["This field is read-only."]
    webhook = integrator_client.post(
        "/api/v1/webhooks/",
        {
            "url": "https://example.com/hook",
            "events": ["ticket.created"],
            "secret": "s" * 20,
            "active": False,
        },
        format="json",
    )
    assert webhook.status_code == 400 and webhook.data["active"] == ["This field is read-only."]


def test_every_write_endpoint_takes_a_strict_serializer():
    """Guard: a new write endpoint must refuse unknown and read-only keys too."""
    from drf_spectacular.generators import SchemaGenerator
    from rest_framework import serializers

    from aftersales.api.serializers import StrictFieldsMixin

    generator = SchemaGenerator()
    generator._initialise_endpoints()
    lax, checked = [], 0
    for path, _regex, method, view in generator._get_paths_and_endpoints():
        if method not in ("POST", "PUT", "PATCH") or path.startswith("/api/v1/auth/"):
            continue
        request = view.schema.get_request_serializer()
        if request is None:
            continue  # an action without a body
        serializer = request if isinstance(request, type) else type(request)
        if issubclass(serializer, serializers.ListSerializer):
            serializer = type(request.child)
        checked += 1
        if not issubclass(serializer, StrictFieldsMixin):
            lax.append(f"{method} {path}: {serializer.__name__}")
    assert checked > 30 and lax == []
