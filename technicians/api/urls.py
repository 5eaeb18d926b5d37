from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("technicians", views.TechnicianViewSet, basename="technician")
router.register(
    "certification-types", views.CertificationTypeViewSet, basename="certification-type"
)
router.register("certifications", views.CertificationViewSet, basename="certification")
router.register("training-records", views.TrainingRecordViewSet, basename="training-record")
router.register("absences", views.AbsenceViewSet, basename="absence")

urlpatterns = router.urls
