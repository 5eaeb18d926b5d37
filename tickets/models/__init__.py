"""The tickets app's models: the service records (core) and the SLA machinery (sla)."""

from .core import (
    Area,
    ChoiceLabelsMixin,
    Customer,
    IdempotencyKey,
    Product,
    ProductCategory,
    ProductModel,
    Ticket,
    TicketEvent,
    TicketNumberSequence,
    add_months,
)
from .sla import (
    CalendarException,
    SlaClockEntry,
    SlaEvent,
    SlaPolicy,
    WorkingCalendar,
    WorkingHours,
)
from .webhooks import DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent

__all__ = [
    "Area",
    "CalendarException",
    "ChoiceLabelsMixin",
    "Customer",
    "DeliveryStatus",
    "IdempotencyKey",
    "Product",
    "ProductCategory",
    "ProductModel",
    "SlaClockEntry",
    "SlaEvent",
    "SlaPolicy",
    "Ticket",
    "TicketEvent",
    "TicketNumberSequence",
    "Webhook",
    "WebhookDelivery",
    "WebhookEvent",
    "WorkingCalendar",
    "WorkingHours",
    "add_months",
]
