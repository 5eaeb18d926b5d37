"""The REST API of the instrument ledger (api-contract.md conventions)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("instruments", views.InstrumentViewSet, basename="instrument")
router.register("instrument-kinds", views.InstrumentKindViewSet, basename="instrument-kind")
router.register("calibrations", views.CalibrationRecordViewSet, basename="calibration")
router.register("tool-requirements", views.ToolRequirementViewSet, basename="tool-requirement")

urlpatterns = [
    *router.urls,
]
