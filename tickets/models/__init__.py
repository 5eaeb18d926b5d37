"""The tickets app's models: the service records (core) and the SLA machinery (sla)."""

from .core import (
    Area,
    ChoiceLabelsMixin,
    Customer,
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

__all__ = [
    "Area",
    "CalendarException",
    "ChoiceLabelsMixin",
    "Customer",
    "Product",
    "ProductCategory",
    "ProductModel",
    "SlaClockEntry",
    "SlaEvent",
    "SlaPolicy",
    "Ticket",
    "TicketEvent",
    "TicketNumberSequence",
    "WorkingCalendar",
    "WorkingHours",
    "add_months",
]
