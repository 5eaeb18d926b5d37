"""The depot's pages through the Django client: the take-in card and its refusals, the
workshop list (roles, fixed queries), the repair page, photos served only to those who
may see the receipt, the receipt PDF and the stages on the customer's status page."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.tickets.factories import CustomerFactory, ProductFactory, make_ticket
from tickets.depot import services
from tickets.depot.models import EquipmentReceipt, ReceiptPhoto

from .conftest import SIGNATURE

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "unit.png"
    return buffer


def test_ticket_page_shows_take_in_form(agent, depot_ticket):
    page = _client(agent).get(reverse("ticket-detail-page", args=[depot_ticket.pk]))
    assert page.status_code == 200
    assert b"depot-take-in" in page.content and b"SN-PLATE-1" in page.content


def test_take_in_without_signature_shows_the_form_again(agent, depot_ticket):
    response = _client(agent).post(
        reverse("depot-take-in", args=[depot_ticket.pk]), {"serial_number": "SN-X"}
    )
    assert response.status_code == 400
    assert b"The customer signs the receipt" in response.content
    assert b'value="SN-X"' in response.content
    assert not EquipmentReceipt.objects.exists()


def test_take_in_posts_and_redirects_to_repair(agent, depot_ticket):
    response = _client(agent).post(
        reverse("depot-take-in", args=[depot_ticket.pk]),
        {"serial_number": "SN-X", "accessories": ["remote"], "signature": SIGNATURE},
    )
    receipt = EquipmentReceipt.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/depot/receipts/{receipt.pk}/"
    )
    assert receipt.accessories == ["remote"]


def test_workshop_list_roles_and_queries(agent, workshop, django_assert_max_num_queries):
    for _ in range(4):
        ticket = make_ticket(actor=agent, product=ProductFactory(customer=CustomerFactory()))
        services.receipt_take_in(ticket=ticket, actor=agent, signature=SIGNATURE)
    assert _client(agent).get(reverse("depot-workshop-page")).status_code == 403
    client = _client(workshop)
    client.get(reverse("depot-workshop-page"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("depot-workshop-page"))
    assert page.status_code == 200 and page.content.count(b"data-receipt=") == 4
    assert (
        client.get(reverse("depot-workshop-page"), {"stage": "ready"}).content.count(
            b"data-receipt="
        )
        == 0
    )


def test_repair_page_stage_buttons_and_post(agent, workshop, depot_ticket):
    receipt = services.receipt_take_in(ticket=depot_ticket, actor=agent, signature=SIGNATURE)
    client = _client(workshop)
    page = client.get(reverse("depot-repair-page", args=[receipt.pk]))
    assert b'value="diagnosing"' in page.content
    response = client.post(
        reverse("depot-stage", args=[receipt.pk]), {"stage": "ready", "version": receipt.version}
    )
    assert response.status_code == 302
    receipt.refresh_from_db()
    assert receipt.stage == "received"  # refused: not an allowed move
    client.post(
        reverse("depot-stage", args=[receipt.pk]),
        {"stage": "diagnosing", "version": receipt.version},
    )
    receipt.refresh_from_db()
    assert receipt.stage == "diagnosing"


def test_photos_served_only_to_those_who_see_the_receipt(agent, technician, depot_ticket):
    receipt = services.receipt_take_in(ticket=depot_ticket, actor=agent, signature=SIGNATURE)
    client = _client(agent)
    response = client.post(reverse("depot-photo-add", args=[receipt.pk]), {"file": _png()})
    assert response.status_code == 302
    photo = ReceiptPhoto.objects.get()
    assert client.get(reverse("depot-photo-file", args=[photo.pk])).status_code == 200
    assert (
        _client(technician.user).get(reverse("depot-photo-file", args=[photo.pk])).status_code
        == 404
    )


def test_photo_refuses_a_non_image(agent, depot_ticket):
    receipt = services.receipt_take_in(ticket=depot_ticket, actor=agent, signature=SIGNATURE)
    fake = io.BytesIO(b"<html><script>alert(1)</script></html>")
    fake.name = "x.png"
    _client(agent).post(reverse("depot-photo-add", args=[receipt.pk]), {"file": fake})
    assert not ReceiptPhoto.objects.exists()


def test_receipt_pdf_page(agent, depot_ticket):
    receipt = services.receipt_take_in(ticket=depot_ticket, actor=agent, signature=SIGNATURE)
    response = _client(agent).get(reverse("depot-receipt-pdf", args=[receipt.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_public_status_page_shows_stages_without_notes(agent, workshop, depot_ticket):
    receipt = services.receipt_take_in(ticket=depot_ticket, actor=agent, signature=SIGNATURE)
    services.receipt_stage_set(
        receipt=receipt, actor=workshop, stage="diagnosing", note="SECRET-NOTE"
    )
    client = Client()
    phone = depot_ticket.customer.phone
    client.post(
        reverse("public-lookup-page"), {"number": depot_ticket.number, "phone_last4": phone[-4:]}
    )
    page = client.get(reverse("public-status-page", args=[depot_ticket.number]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "检测中" in text or "Diagnosing" in text
    assert "SECRET-NOTE" not in text


def test_ticket_timeline_names_the_stage_and_the_sweep_clock(agent, workshop, depot_ticket):
    import datetime

    receipt = services.receipt_take_in(ticket=depot_ticket, actor=agent, signature=SIGNATURE)
    services.receipt_stage_set(receipt=receipt, actor=workshop, stage="diagnosing")
    services.turnaround_sweep(now=receipt.due_at + datetime.timedelta(hours=1))
    page = _client(agent).get(reverse("ticket-detail-page", args=[depot_ticket.pk]))
    text = page.content.decode()
    assert "Workshop stage" in text and "Diagnosing" in text and receipt.number in text
    assert "Workshop turnaround" in text


def test_workshop_lands_on_its_repairs(workshop):
    response = _client(workshop).get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("depot-workshop-page")
