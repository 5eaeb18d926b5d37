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
from .verification import VERIFIED, audit_verification_record

__all__ = [
    "SECRET_FIELDS",
    "VERIFIED",
    "audit_pii_read",
    "audit_record",
    "audit_records",
    "audit_verification_record",
    "diff",
    "field_values",
    "pii_reads_flush",
    "plain",
    "snapshot",
]
