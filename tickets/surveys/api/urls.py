"""The REST API of this app (api-contract.md conventions)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("survey-templates", views.TemplateViewSet, basename="survey-template")
router.register("survey-responses", views.ResponseViewSet, basename="survey-response")
router.register("survey-tasks", views.TaskViewSet, basename="survey-task")

urlpatterns = [
    path("reports/surveys/", views.ResultsView.as_view(), name="report-surveys"),
    *router.urls,
]
