from django.urls import path

from . import views

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
    path("audit-trail/", views.audit_trail_page, name="audit-trail-page"),
]
