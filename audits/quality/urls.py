from django.urls import path

from . import views
from .views import audits as pages

urlpatterns = [
    path("technicians/", views.technician_list_page, name="technician-list-page"),
    path("technicians/<int:pk>/", views.technician_detail_page, name="technician-detail-page"),
    path(
        "technicians/<int:pk>/training/",
        views.technician_training_add_page,
        name="technician-training-add-page",
    ),
    path(
        "technicians/<int:pk>/absences/",
        views.technician_absence_add_page,
        name="technician-absence-add-page",
    ),
    path(
        "technicians/<int:pk>/jobs/<int:ticket_pk>/move/",
        views.technician_job_move_page,
        name="technician-job-move-page",
    ),
    path(
        "technicians/<int:pk>/certificates/<int:cert_pk>/revoke/",
        views.certification_revoke_page,
        name="certification-revoke-page",
    ),
    path(
        "technicians/<int:pk>/certificates/<int:cert_pk>/scan/",
        views.certification_scan_upload_page,
        name="certification-scan-upload-page",
    ),
    path(
        "technicians/<int:pk>/certificates/<int:cert_pk>/scan/file/",
        views.certification_scan_file,
        name="certification-scan-file",
    ),
    path("reports/kpi/", views.kpi_report_page, name="kpi-report-page"),
    path(
        "reports/kpi/kept/<int:pk>/",
        views.kpi_stored_report_page,
        name="kpi-stored-report-page",
    ),
    path("quality/audits/", views.quality_audit_list_page, name="quality-audit-list-page"),
    path("quality/audits/new/", pages.quality_audit_create_page, name="quality-audit-create-page"),
    path(
        "quality/audits/<int:pk>/",
        pages.quality_audit_detail_page,
        name="quality-audit-detail-page",
    ),
    path(
        "quality/audits/<int:pk>/close/",
        pages.quality_audit_close_page,
        name="quality-audit-close-page",
    ),
    path(
        "quality/audits/<int:pk>/report/",
        pages.quality_audit_report_page,
        name="quality-audit-report-page",
    ),
    path("quality/audits/<int:pk>/findings/", pages.finding_open_page, name="finding-open-page"),
    path(
        "quality/audits/<int:pk>/findings/<int:finding_pk>/actions/",
        pages.corrective_action_create_page,
        name="corrective-action-create-page",
    ),
    path(
        "quality/audits/<int:pk>/samples/<int:sample_pk>/",
        pages.audit_sample_page,
        name="audit-sample-page",
    ),
    path(
        "quality/audits/<int:pk>/samples/<int:sample_pk>/confirm/",
        pages.audit_sample_confirm_page,
        name="audit-sample-confirm-page",
    ),
    path("quality/actions/<int:pk>/", pages.corrective_action_page, name="corrective-action-page"),
    path(
        "quality/actions/<int:pk>/evidence/",
        pages.corrective_action_evidence_page,
        name="corrective-action-evidence-page",
    ),
    path(
        "quality/actions/<int:pk>/evidence/file/",
        pages.corrective_action_evidence_file,
        name="corrective-action-evidence-download-page",
    ),
    path(
        "quality/actions/<int:pk>/verify/",
        pages.corrective_action_verify_page,
        name="corrective-action-verify-page",
    ),
    path("audit-trail/", views.audit_trail_page, name="audit-trail-page"),
    path(
        "audit-trail/<str:object_type>/<str:object_id>/",
        views.audit_trail_object_page,
        name="audit-trail-object-page",
    ),
]
