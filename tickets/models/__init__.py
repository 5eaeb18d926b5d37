"""The tickets app's models: the service records (core) and the SLA machinery (sla)."""

from .core import (
    CUSTOMER_PERSONAL_FIELDS,
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
    "CUSTOMER_PERSONAL_FIELDS",
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
