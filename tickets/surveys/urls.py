"""The pages of this app."""

from django.urls import path

from . import views

urlpatterns = [
    path("surveys/results/", views.survey_results_page, name="survey-results-page"),
    path("surveys/tasks/", views.survey_task_list_page, name="survey-task-list-page"),
    path("surveys/tasks/<int:pk>/close/", views.survey_task_close, name="survey-task-close"),
]
