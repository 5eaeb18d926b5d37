"""The pages of this app."""

from django.urls import path

from . import views

urlpatterns = [
    path("knowledge/", views.article_list_page, name="knowledge-article-list"),
    path("knowledge/new/", views.article_edit_page, name="knowledge-article-new"),
    path("knowledge/<int:pk>/", views.article_page, name="knowledge-article-page"),
    path("knowledge/<int:pk>/edit/", views.article_edit_page, name="knowledge-article-edit"),
    path("knowledge/<int:pk>/feedback/", views.article_feedback, name="knowledge-feedback"),
    path("support/", views.question_list_page, name="knowledge-question-list"),
    path("support/<int:pk>/", views.question_page, name="knowledge-question-page"),
]
