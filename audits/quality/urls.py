from django.urls import path

from . import views

urlpatterns = [
    path("technicians/", views.technician_list_page, name="technician-list-page"),
    path("reports/kpi/", views.kpi_report_page, name="kpi-report-page"),
    path("quality/audits/", views.quality_audit_list_page, name="quality-audit-list-page"),
    path("audit-trail/", views.audit_trail_page, name="audit-trail-page"),
    path(
        "audit-trail/<str:object_type>/<str:object_id>/",
        views.audit_trail_object_page,
        name="audit-trail-object-page",
    ),
]
