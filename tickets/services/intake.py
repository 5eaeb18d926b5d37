"""Intake (受理): numbering and ticket creation."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.platform.models import WebhookEvent
from aftersales.platform.services import webhook_emit
from aftersales.roles import INTAKE_ROLES, role_require
from aftersales.sequences import sequence_next
from audits.services import audit_record
from tickets.incidents.services import incident_link_arrival_on_commit

from ..choices import EventKind, Priority
from ..models import Ticket, TicketEvent, TicketNumberSequence
from ..selectors import dashboard_invalidate
from .customers import (
    customer_create,
    customer_match_or_create,
    product_match_or_register,
    product_register,
)
from .sla import sla_clock_record, sla_deadlines, sla_policy_matching


def ticket_number_next(*, year):
    """The next human number of ``year``, e.g. ``AS-2026-000123``; gap-free per year
    (``aftersales.sequences``: a rolled-back intake gives its number back)."""
    value = sequence_next(TicketNumberSequence, year=year)
    return f"{settings.TICKET_NUMBER_PREFIX}-{year}-{value:06d}"


def ticket_webhook_payload(ticket, **extra):
    """What integrators receive about a ticket: codes and ids, no personal data."""
    return {
        "ticket": ticket.pk,
        "number": ticket.number,
        "status": ticket.status,
        "category": ticket.category,
        "priority": ticket.priority,
        "customer": ticket.customer_id,
        "product": ticket.product_id,
        **extra,
    }


def ticket_create(
    *,
    actor,
    customer,
    channel,
    category,
    description,
    product=None,
    priority=None,
    fault_occurred_at=None,
    owner=None,
):
    """Record a request. The actor becomes its first-contact owner (首问负责制), or
    ``owner`` when the system records it (``actor=None``: the e-mail intake files a
    mailbox's requests to the agent the mailbox names).

    Preconditions: the actor may take calls (``INTAKE_ROLES``); the customer is not
    erased; the product (if any) is theirs; the fault did not start in the future. Writes
    the ticket with its SLA deadlines, a ``created`` timeline event and a
    ``ticket.created`` audit event, in one transaction.
    """
    role_require(actor, *INTAKE_ROLES)
    if (owner is None) == (actor is None):
        raise ValueError("the owner is the actor; give an owner only for the system")
    now = timezone.now()
    if customer.erased_at:
        raise ValidationError({"customer": [_("This customer's data was erased.")]})
    if product is not None and product.customer_id != customer.pk:
        raise ValidationError({"product": [_("This product is registered to another customer.")]})
    if fault_occurred_at and fault_occurred_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"fault_occurred_at": [_("The fault cannot start in the future.")]})
    if not description.strip():
        raise ValidationError({"description": [_("Describe the fault or the request.")]})
    policy = sla_policy_matching(
        priority=priority or Priority.P3, category=category, customer_tier=customer.tier
    )
    deadlines = sla_deadlines(received_at=now, policy=policy)
    with transaction.atomic():
        ticket = Ticket.objects.create(
            number=ticket_number_next(year=timezone.localtime(now).year),
            customer=customer,
            product=product,
            area_id=customer.area_id,
            channel=channel,
            category=category,
            description=description.strip(),
            priority=priority or Priority.P3,
            fault_occurred_at=fault_occurred_at,
            owner=owner or actor,
            created_by=actor,
            created_at=now,
            updated_at=now,
            sla_policy=policy,
            resolution_due_at=deadlines.resolution_due_at,
            next_sla_check_at=min(deadlines.response_warn_at, deadlines.dispatch_warn_at),
            response_due_at=deadlines.response_due_at,
            response_warn_at=deadlines.response_warn_at,
            dispatch_due_at=deadlines.dispatch_due_at,
            dispatch_warn_at=deadlines.dispatch_warn_at,
        )
        TicketEvent.objects.create(
            ticket=ticket,
            kind=EventKind.CREATED,
            to_status=ticket.status,
            actor=actor,
            created_at=now,
            payload={"channel": channel, "category": category, "priority": ticket.priority},
        )
        audit_record(
            actor=actor,
            action="ticket.created",
            obj=ticket,
            ticket=ticket,
            changes={
                "number": ticket.number,
                "customer": customer.pk,
                "channel": channel,
                "category": category,
                "priority": ticket.priority,
            },
        )
        sla_clock_record(ticket=ticket, reason="intake", actor=actor)
        webhook_emit(event=WebhookEvent.TICKET_CREATED, payloads=[ticket_webhook_payload(ticket)])
        transaction.on_commit(dashboard_invalidate, robust=True)
        # Open incidents whose rule the new ticket matches link it after the commit (one
        # statement; the intake's own transaction stays as short as before).
        incident_link_arrival_on_commit(ticket)
    return ticket


class IntakeRejected(ValidationError):
    """An intake refused by one of its steps; ``part`` says which: ``customer`` (the new
    customer's details), ``product`` (the new unit) or ``ticket`` (the request itself)."""

    def __init__(self, error, *, part):
        super().__init__(error.error_dict if hasattr(error, "error_dict") else error.error_list)
        self.part = part


@transaction.atomic
def ticket_intake(
    *,
    actor,
    customer=None,
    new_customer=None,
    customer_details=None,
    new_product=None,
    product_details=None,
    **request,
):
    """A call taken, from phone ring to ticket: "customer + product + ticket" all or nothing.

    The customer is one of: ``customer``, the customer found (by phone); ``new_customer``,
    the fields to register them with (``customer_create``); ``customer_details``, an
    integrator's inline customer, matched by phone or registered
    (``customer_match_or_create``, which keeps a known customer's data and audits what
    differs). ``new_product`` optionally registers the unit the call is about
    (``product_register``); ``product_details`` matches it by model and serial or registers
    it (``product_match_or_register``); ``request`` are ``ticket_create``'s fields
    (``product`` for a unit already known). Each step writes its own audit event; a refusal
    of any step rolls back the others and raises ``IntakeRejected`` naming the step. Used
    by the intake page and the REST API.
    """
    if sum(x is not None for x in (customer, new_customer, customer_details)) != 1:
        raise ValueError("give one of customer, new_customer, customer_details")
    if new_product is not None and product_details is not None:
        raise ValueError("give new_product or product_details, not both")
    part = "customer"
    try:
        if customer_details is not None:
            customer, _created = customer_match_or_create(actor=actor, **customer_details)
        elif customer is None:
            customer = customer_create(actor=actor, **new_customer)
        if new_product is not None:
            part = "product"
            request["product"] = product_register(actor=actor, customer=customer, **new_product)
        elif product_details is not None:
            part = "product"
            request["product"], _created = product_match_or_register(
                actor=actor, customer=customer, **product_details
            )
        part = "ticket"
        return ticket_create(actor=actor, customer=customer, **request)
    except ValidationError as exc:
        raise IntakeRejected(exc, part=part) from exc
