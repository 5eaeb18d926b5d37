"""Every write of the audits app: the trail, quality audits, KPI reports."""

from .quality import (
    audit_sample_confirm,
    corrective_action_create,
    corrective_action_submit,
    corrective_action_verify,
    corrective_actions_escalate_overdue,
    finding_open,
    quality_audit_close,
    quality_audit_create,
)
from .reports import kpi_report_generate, kpi_weekly_reports_generate
from .trail import (
    SECRET_FIELDS,
    audit_created,
    audit_pii_read,
    audit_record,
    audit_records,
    diff,
    pii_reads_flush,
    snapshot,
)

__all__ = [
    "SECRET_FIELDS",
    "audit_created",
    "audit_pii_read",
    "audit_record",
    "audit_records",
    "audit_sample_confirm",
    "corrective_action_create",
    "corrective_action_submit",
    "corrective_action_verify",
    "corrective_actions_escalate_overdue",
    "diff",
    "finding_open",
    "kpi_report_generate",
    "kpi_weekly_reports_generate",
    "pii_reads_flush",
    "quality_audit_close",
    "quality_audit_create",
    "snapshot",
]
