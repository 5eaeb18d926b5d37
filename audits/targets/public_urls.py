"""The public commitments page, included before the customers' ``/service/<number>/``
pages (tickets.urls) so that its path is not read as a request number."""

from django.urls import path

from . import views

urlpatterns = [
    path("service/commitments/", views.public_commitments_page, name="public-commitments-page"),
]
