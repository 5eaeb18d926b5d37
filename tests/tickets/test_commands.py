"""Management commands: seed_demo."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from audits.models import AuditEvent
from tickets.choices import TicketStatus
from tickets.models import Customer, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def _seed(settings, password="demo-pass-1"):
    settings.DEMO_PASSWORD = password
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_tickets_in_every_status_and_prints_logins(settings):
    output = _seed(settings)
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == set(TicketStatus.values)
    for username in ("agent", "supervisor", "auditor", "integrator", "tech1", "tech2"):
        assert username in output
        assert authenticate(username=username, password="demo-pass-1") is not None
    # Every seeded ticket has a real timeline written by the services.
    assert TicketEvent.objects.filter(kind="created").count() == Ticket.objects.count()
    # The audit-trail page's chain status: sealed, and one verification recorded.
    verified = AuditEvent.objects.get(action="audit.chain_verified")
    assert verified.changes["ok"] is True and verified.changes["checked"] > 10


def test_seed_demo_is_idempotent_and_resets_passwords(settings):
    _seed(settings)
    counts = (Ticket.objects.count(), Customer.objects.count(), TicketEvent.objects.count())
    _seed(settings, password="demo-pass-2")
    assert (Ticket.objects.count(), Customer.objects.count(), TicketEvent.objects.count()) == counts
    assert authenticate(username="agent", password="demo-pass-2") is not None
    assert authenticate(username="agent", password="demo-pass-1") is None
