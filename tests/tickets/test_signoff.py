"""The customer's sign-off on the technician's phone and the signed work order (派工单):
the summary before signing, the confirmation through ``ticket_confirm``, the PDF made
after the commit, stored on the ticket and downloadable only by those who may see it."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audits.models import AuditEvent
from tickets import services
from tickets.models import Ticket, TicketAttachment
from tickets.public import work_order_link_path
from tickets.selectors import work_order_attachment
from tickets.services.work_order import weasyprint

pytestmark = pytest.mark.django_db

SIGNATURE = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture
def technician_client(client, technician):
    client.force_login(technician.user)
    return client


@pytest.fixture
def awaiting(technician_client, job_in, catalogue, van_stock):
    """A job completed on the job page with a free and a charged part."""
    ticket = job_in("on_site")
    data = {
        "version": ticket.version,
        "fault_code": catalogue["codes"][0].pk,
        "diagnosis": "压缩机继电器粘连",
        "work_done": "更换继电器",
        "test_passed": "true",
        "checklist": [item.pk for item in catalogue["items"]],
        "line_part": [van_stock["covered"].pk, van_stock["uncovered"].pk],
        "line_quantity": ["1", "2"],
        "line_charged": ["free", "charged"],
        "line_fitted": ["SN-NEW-7", ""],
        "line_removed": ["SN-OLD-3", ""],
    }
    response = technician_client.post(reverse("job-complete", args=[ticket.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == reverse("job-sign-page", args=[ticket.pk])
    ticket.refresh_from_db()
    assert ticket.status == "awaiting_confirmation"
    return ticket


def _sign(client, ticket, **extra):
    data = {"version": ticket.version, "accepted": "yes", "satisfaction": "5",
            "comment": "师傅很专业，服务很好", "signature": SIGNATURE}  # fmt: skip
    data.update(extra)
    return client.post(reverse("job-sign-page", args=[ticket.pk]), data)


def test_the_summary_shows_parts_charges_total_and_warranty(technician_client, awaiting, settings):
    settings.REPAIR_WARRANTY_DAYS = 90
    response = technician_client.get(reverse("job-sign-page", args=[awaiting.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    # The customer speaks Chinese, but the page speaks the technician's language.
    assert "Compressor relay" in html and "Remote control" in html
    assert "¥160.00" in html  # 2 × 80.00 charged; the relay is free
    until = timezone.localtime(awaiting.completed_at).date() + datetime.timedelta(days=90)
    assert until.isoformat() in html
    assert "更换继电器" in html
    assert 'name="signature"' in html and "data-signature-pad" in html
    assert "free" not in html.split("h-parts")[1].split("</section>")[0].replace(
        'class="badge free"', ""
    )  # a label, never the raw code


def test_signing_closes_the_job_and_stores_the_work_order(
    technician_client, awaiting, django_capture_on_commit_callbacks, monkeypatch
):
    published = []
    monkeypatch.setattr(
        "tickets.services.work_order.publish_on_commit",
        lambda name, *args: published.append((name, args)),
    )
    response = _sign(technician_client, awaiting)
    assert response.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.status == "closed"
    assert awaiting.satisfaction == 5
    assert awaiting.confirmation_comment == "师傅很专业，服务很好"
    assert awaiting.confirmation_signature.startswith("data:image/png;base64,")
    assert published == [("tickets.tasks.work_order_generate_task", (awaiting.pk,))]
    event = awaiting.events.get(action="confirm")
    assert event.payload["via"] == "on_site"

    # What the worker does once the confirmation committed.
    attachment = services.work_order_store(ticket_id=awaiting.pk)
    assert attachment.kind == "document" and attachment.content_type == "application/pdf"
    raw = attachment.file.open("rb").read()
    assert raw.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(raw))
    text = "".join(page.extract_text() for page in reader.pages)
    assert awaiting.number in text
    assert "派工单" in text  # the customer's language: Chinese
    assert "更换继电器" in text and "师傅很专业" in text
    assert "¥160.00" in text
    fonts = {
        str(font.get_object().get("/BaseFont"))
        for page in reader.pages
        for font in (page["/Resources"].get("/Font") or {}).values()
    }
    assert any("CJK" in name or "WenQuanYi" in name for name in fonts), fonts
    assert AuditEvent.objects.filter(
        action="ticket.work_order_stored", ticket_id=awaiting.pk
    ).exists()
    # Idempotent: a replayed task stores nothing more.
    assert services.work_order_store(ticket_id=awaiting.pk).pk == attachment.pk
    assert TicketAttachment.objects.filter(ticket=awaiting, kind="document").count() == 1


def test_the_task_stores_the_work_order(technician_client, awaiting):
    from tickets.tasks import work_order_generate_task

    _sign(technician_client, awaiting)
    pk = work_order_generate_task.apply(args=[awaiting.pk]).get()
    assert TicketAttachment.objects.get(pk=pk).ticket_id == awaiting.pk


def test_no_work_order_before_the_customer_signs(awaiting):
    assert services.work_order_store(ticket_id=awaiting.pk) is None
    assert work_order_attachment(awaiting) is None


def test_a_missing_signature_or_rating_out_of_range_is_refused_and_nothing_lost(
    technician_client, awaiting
):
    response = _sign(
        technician_client, awaiting, satisfaction="9", signature="data:image/png;base64,AAAA"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "师傅很专业" in html  # the opinion is kept
    assert 'role="alert"' in html
    awaiting.refresh_from_db()
    assert awaiting.status == "awaiting_confirmation"


def test_a_rejection_needs_the_reason_and_sends_the_job_back(technician_client, awaiting):
    response = _sign(technician_client, awaiting, accepted="no", comment="")
    assert response.status_code == 400
    response = _sign(technician_client, awaiting, accepted="no", comment="还是漏水")
    assert response.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.status == "triaged" and awaiting.confirmation_comment == "还是漏水"
    assert services.work_order_store(ticket_id=awaiting.pk) is None


def test_a_stale_form_says_so(technician_client, awaiting):
    Ticket.objects.filter(pk=awaiting.pk).update(version=awaiting.version + 1)
    response = _sign(technician_client, awaiting)
    assert response.status_code == 409
    assert "师傅很专业" in response.content.decode()


def test_downloads_for_staff_and_the_technician_not_for_others(
    client, technician_client, awaiting, other_technician, supervisor, django_user_model
):
    _sign(technician_client, awaiting)
    # Not stored yet (no worker here): the first download makes it.
    response = technician_client.get(reverse("job-work-order-file", args=[awaiting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert TicketAttachment.objects.filter(ticket=awaiting, kind="document").count() == 1

    staff = reverse("ticket-work-order-file", args=[awaiting.pk])
    client.force_login(supervisor)
    assert client.get(staff).status_code == 200
    client.force_login(other_technician.user)
    assert client.get(staff).status_code == 404
    assert client.get(reverse("job-work-order-file", args=[awaiting.pk])).status_code == 404
    client.logout()
    response = client.get(staff)
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(reverse("job-work-order-file", args=[awaiting.pk])).status_code in (302, 403)


def test_the_customer_gets_it_by_a_signed_link(client, technician_client, awaiting, job_in):
    _sign(technician_client, awaiting)
    awaiting.refresh_from_db()
    path = work_order_link_path(awaiting)
    response = client.get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # Tampered, or another ticket's number: one answer.
    assert client.get(path.replace(".pdf", "x.pdf")).status_code == 404
    other = job_in("dispatched")
    assert client.get(path.replace(awaiting.number, other.number)).status_code == 404


def test_an_expired_link_opens_nothing(client, technician_client, awaiting, settings):
    _sign(technician_client, awaiting)
    awaiting.refresh_from_db()
    path = work_order_link_path(awaiting)
    settings.PUBLIC_LINK_MAX_AGE_DAYS = -1
    assert client.get(path).status_code == 404


def test_the_sign_page_runs_a_constant_number_of_queries(technician_client, awaiting, van_stock):
    url = reverse("job-sign-page", args=[awaiting.pk])
    technician_client.get(url)
    with CaptureQueriesContext(connection) as few:
        technician_client.get(url)
    # Three more part lines.
    from parts.models import TicketPart

    line = TicketPart.objects.filter(ticket=awaiting).first()
    for _ in range(3):
        line.pk = None
        line.movement = line.movement.__class__.objects.create(
            **{
                f.name: getattr(line.movement, f.name)
                for f in line.movement._meta.concrete_fields
                if not f.primary_key
            }
        )
        line.save()
    with CaptureQueriesContext(connection) as many:
        technician_client.get(url)
    assert len(many) == len(few)


def test_the_status_page_links_the_signed_work_order(client, technician_client, awaiting):
    _sign(technician_client, awaiting)
    awaiting.refresh_from_db()
    phone = awaiting.customer.phone
    response = client.post(
        reverse("public-lookup-page"), {"number": awaiting.number, "phone_last4": phone[-4:]}
    )
    assert response.status_code == 302
    html = client.get(reverse("public-status-page", args=[awaiting.number])).content.decode()
    assert work_order_link_path(awaiting) in html
    assert "下载您已签字的派工单" in html


def test_the_pdf_loads_nothing_but_the_signature(awaiting, technician_client, monkeypatch):
    _sign(technician_client, awaiting)
    awaiting.refresh_from_db()
    html = services.work_order_html(awaiting).replace(
        "</body>", '<img src="file:///etc/passwd"><img src="http://example.com/x.png"></body>'
    )
    monkeypatch.setattr("tickets.services.work_order.work_order_html", lambda ticket: html)
    seen = []
    URLFetcher = weasyprint().URLFetcher

    original = URLFetcher.fetch

    def spy(self, url, headers=None):
        response = original(self, url, headers)  # raises for a refused protocol
        seen.append(url.split(":", 1)[0])
        return response

    monkeypatch.setattr(URLFetcher, "fetch", spy)
    assert services.work_order_pdf(awaiting).startswith(b"%PDF")
    assert seen == ["data"]  # the signature, and nothing else was loaded


def test_the_close_notice_carries_the_work_order_link(technician_client, awaiting):
    from aftersales.platform.models import Notification, NotificationKind

    _sign(technician_client, awaiting)
    awaiting.refresh_from_db()
    notice = Notification.objects.filter(
        ticket=awaiting, kind=NotificationKind.SURVEY_INVITATION, channel="email"
    ).get()
    assert notice.context["work_order_link"].endswith(work_order_link_path(awaiting))


def test_rendering_leaves_pillow_strict_about_truncated_images(technician_client, awaiting):
    from PIL import ImageFile

    _sign(technician_client, awaiting)
    awaiting.refresh_from_db()
    assert services.work_order_pdf(awaiting).startswith(b"%PDF")
    # WeasyPrint's import turns this on; the uploads' and signatures' checks need it off.
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
