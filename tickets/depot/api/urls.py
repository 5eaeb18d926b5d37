"""The REST API of this app (api-contract.md conventions)."""

from rest_framework.routers import SimpleRouter

from .views import EquipmentReceiptViewSet, LoanUnitViewSet

router = SimpleRouter()
router.register("depot/receipts", EquipmentReceiptViewSet, basename="depot-receipt")
router.register("depot/loan-units", LoanUnitViewSet, basename="depot-loan-unit")

urlpatterns = [
    *router.urls,
]
