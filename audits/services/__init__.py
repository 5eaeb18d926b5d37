"""Every write of the audit trail, the ground floor every app records its changes in.

Quality audits and KPI reports, which read the other apps, are ``audits.quality``.
"""

from .trail import (
    SECRET_FIELDS,
    audit_pii_read,
    audit_record,
    audit_records,
    diff,
    field_values,
    pii_reads_flush,
    plain,
    snapshot,
)

__all__ = [
    "SECRET_FIELDS",
    "audit_pii_read",
    "audit_record",
    "audit_records",
    "diff",
    "field_values",
    "pii_reads_flush",
    "plain",
    "snapshot",
]
