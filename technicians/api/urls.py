from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("technicians", views.TechnicianViewSet, basename="technician")

urlpatterns = router.urls
