"""The pages of this app."""

from django.urls import path

from . import views

urlpatterns = [
    path("targets/", views.target_set_list_page, name="target-set-list-page"),
    path("targets/new/", views.target_set_new_page, name="target-set-new-page"),
    path("targets/<int:pk>/", views.target_set_page, name="target-set-page"),
    path("targets/<int:pk>/progress/", views.target_progress_page, name="target-progress-page"),
]
