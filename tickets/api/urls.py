from django.urls import path
from rest_framework.routers import SimpleRouter

from . import charges, outlets, views, warranty

router = SimpleRouter()
router.register("areas", views.AreaViewSet, basename="area")
router.register("product-categories", views.ProductCategoryViewSet, basename="product-category")
router.register("product-models", views.ProductModelViewSet, basename="product-model")
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("products", views.ProductViewSet, basename="product")
router.register("tickets", views.TicketViewSet, basename="ticket")
charges.register(router)
warranty.register(router)
router.register("tickets", outlets.TicketOutletViewSet, basename="ticket-outlet")
router.register("outlets", outlets.OutletViewSet, basename="outlet")
router.register("partner-scorecards", outlets.PartnerScorecardViewSet, basename="scorecard")

urlpatterns = [
    path("reports/dashboard/", views.DashboardView.as_view(), name="report-dashboard"),
    path("reports/sla/", views.SlaRatesView.as_view(), name="report-sla"),
    path(
        "tickets/<int:pk>/warranty/", warranty.TicketWarrantyView.as_view(), name="ticket-warranty"
    ),
    *router.urls,
]
