from django.urls import path

from . import views

urlpatterns = [
    path("login/verify/", views.second_factor_verify_page, name="second-factor-verify"),
    path("login/verify/enrol/", views.second_factor_enrol_page, name="second-factor-enrol"),
]
