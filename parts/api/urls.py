from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("parts", views.PartViewSet, basename="part")
router.register("stock-locations", views.StockLocationViewSet, basename="stock-location")
router.register("stock-levels", views.StockLevelViewSet, basename="stock-level")
router.register("stock-movements", views.StockMovementViewSet, basename="stock-movement")
router.register("stock-counts", views.StockCountViewSet, basename="stock-count")
router.register("ticket-parts", views.TicketPartViewSet, basename="ticket-part")

urlpatterns = [
    path(
        "tickets/<int:pk>/parts/",
        views.TicketPartsSummaryView.as_view(),
        name="ticket-parts-summary",
    ),
    path(
        "products/<int:pk>/service-history/",
        views.ProductServiceHistoryView.as_view(),
        name="product-service-history",
    ),
    *router.urls,
]
