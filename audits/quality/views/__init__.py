"""HTML adapter of the top floor: the supervisors' and auditors' pages (KPI reports,
technicians with their performance, quality audits, the audit trail). They read every
floor below; nobody imports them."""

from .audits import quality_audit_list_page
from .kpi import kpi_report_page, kpi_stored_report_page
from .technicians import (
    certification_revoke_page,
    certification_scan_file,
    certification_scan_upload_page,
    technician_absence_add_page,
    technician_detail_page,
    technician_job_move_page,
    technician_list_page,
    technician_training_add_page,
)
from .trail import audit_trail_object_page, audit_trail_page

__all__ = [
    "audit_trail_object_page",
    "audit_trail_page",
    "certification_revoke_page",
    "certification_scan_file",
    "certification_scan_upload_page",
    "kpi_report_page",
    "kpi_stored_report_page",
    "quality_audit_list_page",
    "technician_absence_add_page",
    "technician_detail_page",
    "technician_job_move_page",
    "technician_list_page",
    "technician_training_add_page",
]
