"""Every write of quality audits and KPI reports."""

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

__all__ = [
    "audit_sample_confirm",
    "corrective_action_create",
    "corrective_action_submit",
    "corrective_action_verify",
    "corrective_actions_escalate_overdue",
    "finding_open",
    "kpi_report_generate",
    "kpi_weekly_reports_generate",
    "quality_audit_close",
    "quality_audit_create",
]
