from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("quality-audits", views.QualityAuditViewSet, basename="quality-audit")
router.register("audit-samples", views.AuditSampleViewSet, basename="audit-sample")
router.register("findings", views.FindingViewSet, basename="finding")
router.register("corrective-actions", views.CorrectiveActionViewSet, basename="corrective-action")
router.register("reports/kpi-reports", views.StoredKpiReportViewSet, basename="kpi-report")

urlpatterns = [
    path("reports/kpis/", views.KpiReportView.as_view(), name="report-kpis"),
    *router.urls,
]
