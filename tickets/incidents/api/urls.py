"""The REST API of this app (api-contract.md conventions)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("incident-links", views.IncidentTicketViewSet, basename="incident-link")
router.register("incident-notices", views.IncidentNoticeViewSet, basename="incident-notice")

urlpatterns = [
    *router.urls,
]
