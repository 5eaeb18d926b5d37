"""A ticket's photos and documents: the service (upload rules, thumbnail, timeline and
audit events, who may add and remove) and the page's views (upload form, files served
only to those who may see the ticket)."""

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from aftersales.exceptions import ActionForbidden
from audits.models import AuditEvent
from tickets import services
from tickets.models import TicketAttachment, TicketEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
FAKE_JPEG = b"\xff\xd8\xff\xe0" + b"not really a picture" * 20


def image_bytes(fmt="JPEG", size=(1200, 900), color=(30, 120, 200), **save):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt, **save)
    return out.getvalue()


def jpeg_with_gps(size=(800, 600)):
    """A phone photo: the maker and the GPS position of Shanghai in its EXIF."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (31.0, 14.0, 0.0)
    gps[3], gps[4] = "E", (121.0, 28.0, 0.0)
    return image_bytes(size=size, exif=exif.tobytes())


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def stored_files(media):
    return sorted(p for p in media.rglob("*") if p.is_file())


# --- The service ---------------------------------------------------------------------------


def test_a_photo_is_stored_with_a_thumbnail_a_timeline_entry_and_an_audit_event(
    ticket_in, agent, media
):
    ticket = ticket_in("new")
    version = ticket.version
    photo = services.ticket_attachment_add(
        ticket=ticket,
        actor=agent,
        file=upload("Wang's kitchen.JPG", image_bytes()),
        caption="Water under the unit",
    )
    assert (photo.kind, photo.content_type, photo.caption) == (
        "photo",
        "image/jpeg",
        "Water under the unit",
    )
    assert photo.original_name == "Wang_s_kitchen.jpg"
    assert photo.uploaded_by == agent
    # The storage name tells nothing of the ticket, the customer or the file's name.
    assert "kitchen" not in photo.file.name and ticket.number not in photo.file.name
    assert photo.file.name.startswith("tickets/attachments/")
    with photo.thumbnail.open("rb") as handle, Image.open(handle) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) <= 480
        assert thumb.size == (480, 360)
    stored = photo.file.read()
    assert photo.size == len(stored)

    event = TicketEvent.objects.get(ticket=ticket, kind="attachment")
    assert event.action == "attachment_add" and event.actor == agent
    assert event.payload["attachment"] == photo.pk and event.payload["kind"] == "photo"
    audit = AuditEvent.objects.get(action="ticket.attachment_added")
    assert audit.ticket_id == ticket.pk and audit.object_id == str(photo.pk)
    assert audit.changes["sha256"] == hashlib.sha256(stored).hexdigest()
    ticket.refresh_from_db()
    assert ticket.version == version  # a photo never makes an open form stale


def test_the_gps_position_of_a_phone_photo_is_not_stored(ticket_in, technician, media):
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(0x8825)  # the test photo does carry a position
    ticket = ticket_in("on_site")
    photo = services.ticket_attachment_add(
        ticket=ticket, actor=technician.user, file=upload("IMG_0001.jpg", original)
    )
    for field in (photo.file, photo.thumbnail):
        with field.open("rb") as handle:
            raw = handle.read()
        assert b"PhoneMaker" not in raw and b"Exif" not in raw
        with Image.open(io.BytesIO(raw)) as image:
            assert not image.getexif().get_ifd(0x8825)


def test_a_pdf_is_a_document_without_a_thumbnail(ticket_in, agent, media):
    document = services.ticket_attachment_add(
        ticket=ticket_in("new"), actor=agent, file=upload("invoice.exe.pdf", PDF)
    )
    assert (document.kind, document.content_type, document.thumbnail.name) == (
        "document",
        "application/pdf",
        "",
    )
    assert document.original_name == "invoice_exe.pdf"
    assert document.file.read() == PDF


def test_a_png_with_transparency_gets_a_flat_thumbnail(ticket_in, agent, media):
    out = io.BytesIO()
    Image.new("RGBA", (64, 64), (255, 0, 0, 0)).save(out, format="PNG")
    photo = services.ticket_attachment_add(
        ticket=ticket_in("new"), actor=agent, file=upload("plate.png", out.getvalue())
    )
    with photo.thumbnail.open("rb") as handle, Image.open(handle) as thumb:
        assert thumb.mode == "RGB" and thumb.getpixel((0, 0)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("page.html", HTML, "This kind of file is not accepted."),
        ("drawing.svg", SVG, "This kind of file is not accepted."),
        ("photo.jpg", EXE, "This kind of file is not accepted."),
        (
            "photo.jpg",
            FAKE_JPEG,
            "The file could not be read as a JPEG image: it is damaged or not an image.",
        ),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_files_that_are_not_an_allowed_type_or_not_an_image_are_refused(
    ticket_in, agent, media, name, content, reason
):
    ticket = ticket_in("new")
    with pytest.raises(ValidationError) as refused:
        services.ticket_attachment_add(ticket=ticket, actor=agent, file=upload(name, content))
    (message,) = refused.value.message_dict["file"]
    assert message == f"{reason} Upload a JPEG, PNG, WebP, PDF file of at most 10 MB."
    assert not TicketAttachment.objects.exists()
    assert not TicketEvent.objects.filter(kind="attachment").exists()
    assert stored_files(media) == []


def test_an_oversize_file_is_refused_with_the_limit(ticket_in, agent, media, settings):
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "ticket_attachment": 2048}
    with pytest.raises(ValidationError) as refused:
        services.ticket_attachment_add(
            ticket=ticket_in("new"), actor=agent, file=upload("big.pdf", PDF + b"0" * 4000)
        )
    assert refused.value.message_dict["file"][0].startswith("The file is larger than 2 KB.")
    assert stored_files(media) == []


def test_a_ticket_holds_at_most_the_configured_number_of_attachments(
    ticket_in, agent, media, settings
):
    settings.TICKET_ATTACHMENTS_MAX = 2
    ticket = ticket_in("new")
    for n in range(2):
        services.ticket_attachment_add(ticket=ticket, actor=agent, file=upload(f"{n}.pdf", PDF))
    with pytest.raises(ValidationError) as refused:
        services.ticket_attachment_add(ticket=ticket, actor=agent, file=upload("3.pdf", PDF))
    assert "the most allowed" in refused.value.message_dict["file"][0]


def test_a_failure_after_the_files_were_written_removes_them(ticket_in, agent, media, monkeypatch):
    from tickets.services import attachments

    def broken(**kwargs):
        raise RuntimeError("audit trail down")

    monkeypatch.setattr(attachments, "audit_record", broken)
    with pytest.raises(RuntimeError):
        services.ticket_attachment_add(
            ticket=ticket_in("new"), actor=agent, file=upload("p.jpg", image_bytes())
        )
    assert stored_files(media) == []
    assert not TicketAttachment.objects.exists()


def test_who_may_add(
    ticket_in, agent, supervisor, auditor, integrator, technician, other_technician, media
):
    ticket = ticket_in("dispatched")
    for person in (agent, supervisor, technician.user):
        services.ticket_attachment_add(ticket=ticket, actor=person, file=upload("a.pdf", PDF))
    for person in (auditor, integrator, other_technician.user):
        with pytest.raises(ActionForbidden):
            services.ticket_attachment_add(ticket=ticket, actor=person, file=upload("a.pdf", PDF))
    closed = ticket_in("closed")
    with pytest.raises(ActionForbidden):
        services.ticket_attachment_add(
            ticket=closed, actor=technician.user, file=upload("late.pdf", PDF)
        )
    services.ticket_attachment_add(ticket=closed, actor=agent, file=upload("invoice.pdf", PDF))


def test_the_uploader_or_a_supervisor_removes_and_the_files_go_on_commit(
    ticket_in, agent, other_agent, supervisor, media, django_capture_on_commit_callbacks
):
    ticket = ticket_in("new")
    mine = services.ticket_attachment_add(
        ticket=ticket, actor=agent, file=upload("p.jpg", image_bytes())
    )
    theirs = services.ticket_attachment_add(ticket=ticket, actor=agent, file=upload("q.pdf", PDF))
    with pytest.raises(ActionForbidden):
        services.ticket_attachment_remove(attachment=mine, actor=other_agent)
    assert len(stored_files(media)) == 3  # the photo, its thumbnail, the PDF
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_attachment_remove(attachment=mine, actor=agent)
    assert len(stored_files(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_attachment_remove(attachment=theirs, actor=supervisor)
    assert stored_files(media) == []
    removed = TicketEvent.objects.filter(ticket=ticket, action="attachment_remove")
    assert [e.payload["name"] for e in removed] == ["p.jpg", "q.pdf"]
    assert AuditEvent.objects.filter(action="ticket.attachment_removed").count() == 2


# --- The page's views ----------------------------------------------------------------------


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def job(ticket_in, agent, technician, media):
    """A dispatched job with a photo (by the desk) and a PDF (by the technician)."""
    ticket = ticket_in("dispatched")
    photo = services.ticket_attachment_add(
        ticket=ticket, actor=agent, file=upload("leak.jpg", image_bytes()), caption="Leak"
    )
    document = services.ticket_attachment_add(
        ticket=ticket, actor=technician.user, file=upload("report.pdf", PDF)
    )
    return ticket, photo, document


def _file_url(ticket, attachment, name="ticket-attachment-file"):
    return reverse(name, args=[ticket.pk, attachment.pk])


def _body(response):
    return b"".join(response.streaming_content)


def test_files_are_served_to_the_desk_and_the_assigned_technician(
    login, job, agent, technician, auditor
):
    ticket, photo, document = job
    for user in (agent, technician.user, auditor):
        client = login(user)
        response = client.get(_file_url(ticket, photo))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"].startswith("inline")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert "no-store" in response["Cache-Control"]
        assert _body(response) == photo.file.open("rb").read()

        response = client.get(_file_url(ticket, document))
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'
        assert _body(response) == PDF

        thumb = client.get(_file_url(ticket, photo, "ticket-attachment-thumbnail"))
        assert thumb["Content-Type"] == "image/jpeg" and _body(thumb)[:3] == b"\xff\xd8\xff"
        assert (
            client.get(_file_url(ticket, document, "ticket-attachment-thumbnail")).status_code
            == 404
        )


def test_files_are_not_found_for_those_who_may_not_see_the_ticket(
    client, login, job, other_technician, integrator
):
    ticket, photo, document = job
    for user in (other_technician.user, integrator):
        c = login(user)
        for attachment in (photo, document):
            assert c.get(_file_url(ticket, attachment)).status_code == 404
            assert (
                c.get(_file_url(ticket, attachment, "ticket-attachment-thumbnail")).status_code
                == 404
            )
    client.logout()
    response = client.get(_file_url(ticket, photo))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_an_attachment_is_found_only_under_its_own_ticket(login, job, ticket_in, agent):
    _ticket, photo, _document = job
    other = ticket_in("new")
    assert login(agent).get(_file_url(other, photo)).status_code == 404


def test_no_public_url_serves_the_stored_file(login, job, agent, settings):
    ticket, photo, document = job
    client = login(agent)
    page = client.get(reverse("ticket-detail-page", args=[ticket.pk])).content.decode()
    for attachment in (photo, document):
        assert attachment.file.name not in page
        assert client.get("/" + settings.MEDIA_URL + attachment.file.name).status_code == 404
        assert client.get("/" + attachment.file.name).status_code == 404
    assert photo.thumbnail.name not in page


def test_the_page_shows_thumbnails_and_document_links_with_their_size(login, job, agent):
    ticket, photo, document = job
    page = login(agent).get(reverse("ticket-detail-page", args=[ticket.pk])).content.decode()
    assert f'src="{_file_url(ticket, photo, "ticket-attachment-thumbnail")}"' in page
    assert 'alt="Leak"' in page
    assert f'href="{_file_url(ticket, document)}"' in page
    assert "report.pdf" in page
    assert f"PDF · {len(PDF)}\xa0bytes" in page


def _upload_url(ticket):
    return reverse("ticket-attachment-add-page", args=[ticket.pk])


def test_uploading_from_the_page_stores_the_file_and_goes_back_to_the_ticket(
    login, ticket_in, agent, media
):
    ticket = ticket_in("new")
    response = login(agent).post(
        _upload_url(ticket),
        {"file": upload("plate.jpg", image_bytes()), "caption": "Rating plate"},
    )
    assert response.status_code == 302
    assert response.url == reverse("ticket-detail-page", args=[ticket.pk]) + "#attachments"
    photo = TicketAttachment.objects.get()
    assert (photo.caption, photo.kind) == ("Rating plate", "photo")


def test_an_oversize_upload_is_refused_on_the_page_and_the_caption_is_kept(
    login, ticket_in, agent, media, settings
):
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "ticket_attachment": 4096}
    ticket = ticket_in("new")
    response = login(agent).post(
        _upload_url(ticket),
        {"caption": "Compressor noise", "file": upload("big.pdf", PDF + b"0" * 10_000)},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The file is larger than 4 KB: nothing was uploaded." in page
    assert 'value="Compressor noise"' in page
    assert not TicketAttachment.objects.exists() and stored_files(media) == []


def test_a_file_of_the_wrong_type_is_refused_on_the_page(login, ticket_in, agent, media):
    ticket = ticket_in("new")
    response = login(agent).post(
        _upload_url(ticket), {"caption": "Screenshot", "file": upload("x.jpg", HTML)}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "This kind of file is not accepted. Upload a JPEG, PNG, WebP, PDF file of at most 10 MB."
        in page
    )
    assert 'value="Screenshot"' in page
    no_file = login(agent).post(_upload_url(ticket), {"caption": "Forgot it"})
    assert "Choose a photo or a PDF to upload." in no_file.content.decode()


def test_the_upload_form_needs_a_csrf_token(ticket_in, agent, media):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    ticket = ticket_in("new")
    response = client.post(_upload_url(ticket), {"file": upload("a.pdf", PDF)})
    assert response.status_code == 403
    assert not TicketAttachment.objects.exists()


def test_a_technician_gets_the_camera_and_the_desk_photos_and_pdfs(
    login, ticket_in, agent, technician
):
    ticket = ticket_in("dispatched")
    url = reverse("ticket-detail-page", args=[ticket.pk])
    field = login(technician.user).get(url).content.decode()
    assert 'accept="image/*"' in field and 'capture="environment"' in field
    desk = login(agent).get(url).content.decode()
    assert 'accept="image/jpeg,image/png,image/webp,application/pdf"' in desk
    assert "capture=" not in desk
    assert 'enctype="multipart/form-data"' in desk


def test_those_who_may_not_add_get_no_form_and_a_403(login, ticket_in, auditor, media):
    ticket = ticket_in("new")
    page = login(auditor).get(reverse("ticket-detail-page", args=[ticket.pk])).content.decode()
    assert "ticket-attachment-add" not in page and "upload-form" not in page
    response = login(auditor).post(_upload_url(ticket), {"file": upload("a.pdf", PDF)})
    assert response.status_code == 403


def test_removing_from_the_page(login, job, agent, other_agent, media):
    ticket, photo, _document = job
    url = reverse("ticket-attachment-remove-page", args=[ticket.pk, photo.pk])
    assert login(other_agent).post(url).status_code == 403
    page = login(agent).get(reverse("ticket-detail-page", args=[ticket.pk])).content.decode()
    assert url in page
    response = login(agent).post(url)
    assert response.status_code == 302
    assert not TicketAttachment.objects.filter(pk=photo.pk).exists()


# --- The API -------------------------------------------------------------------------------


def _api(ticket, suffix=""):
    return f"/api/v1/tickets/{ticket.pk}/attachments/{suffix}"


def test_the_api_lists_and_uploads_and_serves_through_its_own_urls(
    ticket_in, agent, technician, api_client_for, media
):
    ticket = ticket_in("on_site")
    desk = api_client_for(agent)
    response = desk.post(
        _api(ticket),
        {"file": upload("leak.jpg", jpeg_with_gps()), "caption": "Leak"},
        format="multipart",
    )
    assert response.status_code == 201, response.data
    photo = response.data
    assert (photo["kind"], photo["kind_label"], photo["caption"]) == ("photo", "Photo", "Leak")
    assert photo["uploaded_by"] == "agent"
    assert photo["file_url"].endswith(
        f"/api/v1/tickets/{ticket.pk}/attachments/{photo['id']}/file/"
    )
    field = api_client_for(technician.user)
    response = field.post(_api(ticket), {"file": upload("report.pdf", PDF)}, format="multipart")
    assert response.status_code == 201 and response.data["thumbnail_url"] is None

    listed = field.get(_api(ticket))
    assert [a["original_name"] for a in listed.data] == ["leak.jpg", "report.pdf"]
    download = field.get(photo["file_url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    assert b"PhoneMaker" not in _body(download)
    assert download["X-Content-Type-Options"] == "nosniff"
    thumb = field.get(photo["thumbnail_url"])
    assert thumb.status_code == 200 and _body(thumb)[:3] == b"\xff\xd8\xff"
    document_id = listed.data[1]["id"]
    assert field.get(_api(ticket, f"{document_id}/thumbnail/")).status_code == 404


def test_the_api_refuses_what_the_page_refuses(
    ticket_in, agent, auditor, integrator, other_technician, api_client_for, media
):
    ticket = ticket_in("dispatched")
    refused = api_client_for(agent).post(
        _api(ticket), {"file": upload("x.jpg", FAKE_JPEG)}, format="multipart"
    )
    assert refused.status_code == 400
    assert "could not be read as a JPEG image" in str(refused.data["file"])
    assert api_client_for(auditor).get(_api(ticket)).status_code == 200
    assert (
        api_client_for(auditor)
        .post(_api(ticket), {"file": upload("a.pdf", PDF)}, format="multipart")
        .status_code
        == 403
    )
    for outsider in (integrator, other_technician.user):
        assert api_client_for(outsider).get(_api(ticket)).status_code == 404
    assert not TicketAttachment.objects.exists()
    other = ticket_in("new")
    photo = services.ticket_attachment_add(ticket=other, actor=agent, file=upload("a.pdf", PDF))
    assert api_client_for(agent).get(_api(ticket, f"{photo.pk}/file/")).status_code == 404
