"""The REST API of this app (api-contract.md conventions)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ArticleViewSet, SuggestionView, SupportQuestionViewSet

router = SimpleRouter()
router.register("knowledge/articles", ArticleViewSet, basename="knowledge-article")
router.register("knowledge/questions", SupportQuestionViewSet, basename="knowledge-question")

urlpatterns = [
    path("knowledge/suggestions/", SuggestionView.as_view(), name="knowledge-suggestions"),
    *router.urls,
]
