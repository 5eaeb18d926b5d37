"""The REST API of this app (api-contract.md conventions)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("target-sets", views.TargetSetViewSet, basename="target-set")
router.register("target-lines", views.TargetLineViewSet, basename="target-line")

urlpatterns = [
    *router.urls,
]
