"""Every write of the service incidents: declare, move through the stages, set the rule and
link tickets by it (set-based), link and unlink by hand, draft and send the notice to the
affected customers (once per customer), record the review, warn of overdue stages.

Supervisors write; the system (``actor=None``: the beat sweep, the intake hook) passes.
Each function runs in one transaction and writes its audit event and its incident
timeline entry in it; notifications go out after commit through the outbox (``notify``).

The set-based links and the notice's recipients are single PostgreSQL statements (measured
in ``bench/``); on other databases (SQLite under ``make run``) the same rows are written
through the ORM: a read, then the inserts, in the same transaction — an IMMEDIATE one on
SQLite, which holds the write lock from its start, so no other writer comes in between.

The package's modules: ``stages`` (the number, the declaration, the stages), ``reviews``,
``linking`` (by hand, by the rule, on arrival), ``notices``, ``overdue`` (the beat's
warnings); ``common`` holds the helpers they share and ``portable`` the ORM paths used on
databases other than PostgreSQL.
"""

from .common import WRITE_ROLES
from .linking import (
    incident_link_arrival,
    incident_link_arrival_on_commit,
    incident_link_by_rule,
    incident_rule_preview,
    incident_rule_set,
    incident_ticket_link,
    incident_ticket_unlink,
)
from .notices import incident_notice_draft, incident_notice_send, notice_context
from .overdue import incidents_overdue_warn
from .portable import rule_matches
from .reviews import incident_review_record
from .stages import (
    STAGE_FIELD,
    incident_close,
    incident_declare,
    incident_handle,
    incident_number_next,
    incident_respond,
    incident_stage_advance,
)

__all__ = [
    "STAGE_FIELD",
    "WRITE_ROLES",
    "incident_close",
    "incident_declare",
    "incident_handle",
    "incident_link_arrival",
    "incident_link_arrival_on_commit",
    "incident_link_by_rule",
    "incident_notice_draft",
    "incident_notice_send",
    "incident_number_next",
    "incident_respond",
    "incident_review_record",
    "incident_rule_preview",
    "incident_rule_set",
    "incident_stage_advance",
    "incident_ticket_link",
    "incident_ticket_unlink",
    "incidents_overdue_warn",
    "notice_context",
    "rule_matches",
]
