"""The tickets app's models: the service records (core), their photos and documents
(attachments) and the SLA machinery (sla)."""

from .attachments import TicketAttachment
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
from .field import ChecklistItem, FaultCode
from .mail import InboundEmail, Mailbox
from .sla import (
    CalendarException,
    SlaClockEntry,
    SlaEvent,
    SlaPolicy,
    WorkingCalendar,
    WorkingHours,
)
from .stats import SlaFlowCounts, TicketDailyStat

__all__ = [
    "CUSTOMER_PERSONAL_FIELDS",
    "Area",
    "CalendarException",
    "ChecklistItem",
    "ChoiceLabelsMixin",
    "Customer",
    "FaultCode",
    "InboundEmail",
    "Mailbox",
    "Product",
    "ProductCategory",
    "ProductModel",
    "SlaClockEntry",
    "SlaEvent",
    "SlaFlowCounts",
    "SlaPolicy",
    "Ticket",
    "TicketAttachment",
    "TicketDailyStat",
    "TicketEvent",
    "TicketNumberSequence",
    "WorkingCalendar",
    "WorkingHours",
    "add_months",
]
