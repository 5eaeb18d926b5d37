from rest_framework.routers import SimpleRouter

from .views import IntegratorTokenViewSet

router = SimpleRouter()
router.register("integrator-tokens", IntegratorTokenViewSet, basename="integrator-token")

urlpatterns = router.urls
