from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("settlement-statements", views.StatementViewSet, basename="settlement-statement")

urlpatterns = router.urls
