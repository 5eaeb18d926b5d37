"""The pages of this app."""

from django.urls import path

from . import views

urlpatterns = [
    path("incidents/", views.incident_list_page, name="incident-list-page"),
    path("incidents/new/", views.incident_declare_page, name="incident-declare-page"),
    path("incidents/link-ticket/", views.incident_link_ticket, name="incident-link-ticket"),
    path("incidents/<int:pk>/", views.incident_page, name="incident-page"),
]
