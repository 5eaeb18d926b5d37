"""Issue 11's conventions, asserted: one role check, one error convention, one presenter of
personal data (no writes in serializers), one intake service, publishing that never fails a
saved write, and the floors held by import-linter."""

import datetime
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.test import APIRequestFactory

from aftersales.exceptions import ActionForbidden
from aftersales.platform import queue
from aftersales.roles import Role, acting_user, role_require
from audits.models import AuditEvent
from technicians import services as technician_services
from tests.tickets.factories import CustomerFactory, ProductModelFactory, TechnicianFactory
from tickets import services
from tickets.api.serializers import CustomerSerializer
from tickets.models import Customer, Product, Ticket
from tickets.presenters import PiiReads, customer_phone, pii_reads_record

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


# --- Roles and actors ---------------------------------------------------------------------


def test_role_require_refuses_other_roles_and_lets_the_system_through(agent, supervisor):
    role_require(None, Role.SUPERVISOR)  # the system: workers, commands
    role_require(supervisor, Role.SUPERVISOR)
    with pytest.raises(ActionForbidden) as refused:
        role_require(agent, Role.SUPERVISOR)
    assert refused.value.status == 403


def test_acting_user_is_none_for_the_system_and_anonymous_callers(agent):
    from django.contrib.auth.models import AnonymousUser

    assert acting_user(agent) == agent
    assert acting_user(None) is None
    assert acting_user(AnonymousUser()) is None


def test_technician_services_check_the_role_like_every_other_app(agent):
    technician = TechnicianFactory()
    with pytest.raises(ActionForbidden):
        technician_services.technician_update(technician=technician, actor=agent, phone="1")
    today = datetime.date.today()
    with pytest.raises(ActionForbidden):
        technician_services.absence_create(
            actor=agent, technician=technician, kind="leave", starts_on=today, ends_on=today
        )
    assert not AuditEvent.objects.filter(object_type="technicians.absence").exists()


# --- Errors -------------------------------------------------------------------------------


def test_quality_audit_input_errors_are_400_and_translated(supervisor_client):
    response = supervisor_client.post(
        "/api/v1/quality-audits/",
        {"title": "March", "period_start": "2026-03-31", "period_end": "2026-03-01"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert response.data["period_end"] == ["期间的结束日期早于开始日期。"]


def test_quality_audit_state_conflicts_stay_409_with_a_code(supervisor_client):
    created = supervisor_client.post(
        "/api/v1/quality-audits/",
        {"title": "March", "period_start": "2026-03-01", "period_end": "2026-03-31"},
        format="json",
    )
    assert created.status_code == 201
    url = f"/api/v1/quality-audits/{created.data['id']}/close/"
    assert supervisor_client.post(url, format="json").status_code == 200
    again = supervisor_client.post(url, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert again.status_code == 409
    assert again.data["code"] == "audit_closed"
    assert again.data["detail"] == "该审核已关闭。"


# --- Personal data: one presenter, no writes in serializers --------------------------------


def test_the_presenter_masks_for_auditors_and_notes_reads_for_the_desk(agent, auditor):
    customer = CustomerFactory(phone="13812345678")
    reads = PiiReads()
    assert customer_phone(user=auditor, customer=customer, reads=reads) == ("138****5678", False)
    assert reads.shown == []
    assert customer_phone(user=agent, customer=customer, reads=reads) == ("13812345678", True)
    assert reads.shown == [(customer.pk, None)]
    pii_reads_record(actor=agent, reads=reads)  # outside a request: written at once
    read = AuditEvent.objects.get(action="customer.pii_read")
    assert (read.actor, read.object_id) == (agent, str(customer.pk))


def test_a_serializer_writes_nothing_even_when_it_shows_a_full_number(agent):
    customer = CustomerFactory(phone="13812345678")
    request = APIRequestFactory().get("/")
    request.user = agent
    reads = PiiReads()
    data = CustomerSerializer(customer, context={"request": request, "pii_reads": reads}).data
    assert data["phone"] == "13812345678"
    assert not AuditEvent.objects.filter(action="customer.pii_read").exists()
    assert reads.shown == [(customer.pk, None)]


def test_the_api_records_the_unmasked_reads_of_a_list_once(agent_client):
    customers = [CustomerFactory() for _ in range(3)]
    response = agent_client.get("/api/v1/customers/")
    assert response.status_code == 200
    reads = AuditEvent.objects.filter(action="customer.pii_read")
    assert sorted(reads.values_list("object_id", flat=True)) == sorted(str(c.pk) for c in customers)


# --- Intake: one service, all or nothing ---------------------------------------------------


_LAST_YEAR = datetime.date.today() - datetime.timedelta(days=365)


def _request(**extra):
    return {"channel": "phone", "category": "repair", "description": "Not cooling", **extra}


def test_intake_registers_customer_product_and_ticket_in_one_call(agent):
    model = ProductModelFactory()
    ticket = services.ticket_intake(
        actor=agent,
        new_customer={"name": "Li Lei", "phone": "+86 138-0013-8000"},
        new_product={"model": model, "serial_number": "SN-1", "purchase_date": _LAST_YEAR},
        **_request(),
    )
    assert ticket.customer.phone == "13800138000"
    assert ticket.product.serial_number == "SN-1"
    assert ticket.product.customer == ticket.customer


@pytest.mark.parametrize(
    ("product", "request_fields", "part"),
    [
        ({"purchase_date": datetime.date.today() + datetime.timedelta(days=9)}, {}, "product"),
        ({}, {"description": "   "}, "ticket"),
    ],
)
def test_a_refused_intake_step_rolls_back_the_others_and_names_itself(
    agent, product, request_fields, part
):
    model = ProductModelFactory()
    with pytest.raises(services.IntakeRejected) as refused:
        services.ticket_intake(
            actor=agent,
            new_customer={"name": "Han Meimei", "phone": "13900000009"},
            new_product={
                "model": model,
                "serial_number": "SN-2",
                "purchase_date": _LAST_YEAR,
                **product,
            },
            **_request(**request_fields),
        )
    assert refused.value.part == part
    assert isinstance(refused.value, ValidationError)
    assert not Customer.objects.filter(phone="13900000009").exists()
    assert not Product.objects.exists()
    assert not Ticket.objects.exists()


def test_intake_refuses_a_role_that_takes_no_calls(technician):
    customer = CustomerFactory()
    with pytest.raises(ActionForbidden):
        services.ticket_intake(actor=technician.user, customer=customer, **_request())
    assert not Ticket.objects.exists()


# --- Publishing after commit never fails the saved write -----------------------------------


def test_a_broker_error_at_publish_is_logged_not_raised(monkeypatch, caplog, agent):
    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(queue.current_app, "send_task", unreachable)
    assert queue.publish("tickets.tasks.webhook_deliver_task", 1) is False
    assert "outbox sweep will retry" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_publish_on_commit_waits_for_the_commit_and_skips_a_rollback(monkeypatch):
    sent = []
    monkeypatch.setattr(queue.current_app, "send_task", lambda name, **kw: sent.append(name))
    with pytest.raises(RuntimeError), transaction.atomic():
        queue.publish_on_commit("rolled.back")
        raise RuntimeError
    with transaction.atomic():
        queue.publish_on_commit("committed")
        assert sent == []
    assert sent == ["committed"]


# --- The floors ---------------------------------------------------------------------------


def test_the_floors_hold():
    """lint-imports (the contracts in pyproject.toml) passes on the tree."""
    lint = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
    kept = subprocess.run(lint, cwd=ROOT, capture_output=True, text=True)
    assert kept.returncode == 0, kept.stdout[-2000:]
