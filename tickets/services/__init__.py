"""Every write in the tickets app. Import services from here."""

from .customers import customer_create, customer_erase, customer_update, product_register
from .intake import ticket_create, ticket_number_next
from .lifecycle import (
    ticket_allowed_actions,
    ticket_authorize,
    ticket_cancel,
    ticket_check_in,
    ticket_complete,
    ticket_confirm,
    ticket_contact,
    ticket_dispatch,
    ticket_escalate,
    ticket_follow_up,
    ticket_pause,
    ticket_reschedule,
    ticket_resolve_remotely,
    ticket_resume,
    ticket_transfer_owner,
    ticket_triage,
    ticket_update,
)
from .notifications import ticket_dispatch_notice_queue, ticket_notify_customer_dispatch
from .sla_notifications import sla_notify_pending
from .sweep import sla_sweep

__all__ = [
    "customer_create",
    "customer_erase",
    "customer_update",
    "product_register",
    "sla_notify_pending",
    "sla_sweep",
    "ticket_allowed_actions",
    "ticket_authorize",
    "ticket_cancel",
    "ticket_check_in",
    "ticket_complete",
    "ticket_confirm",
    "ticket_contact",
    "ticket_create",
    "ticket_dispatch",
    "ticket_dispatch_notice_queue",
    "ticket_escalate",
    "ticket_follow_up",
    "ticket_notify_customer_dispatch",
    "ticket_number_next",
    "ticket_pause",
    "ticket_reschedule",
    "ticket_resolve_remotely",
    "ticket_resume",
    "ticket_transfer_owner",
    "ticket_triage",
    "ticket_update",
]
