"""The pages of the instrument ledger."""

from django.urls import path

from . import views

urlpatterns = [
    path("tools/", views.tool_ledger_page, name="tool-ledger-page"),
    path("tools/new/", views.instrument_new_page, name="instrument-new-page"),
    path("tools/<int:pk>/", views.instrument_page, name="instrument-page"),
    path(
        "tools/calibrations/<int:pk>/certificate/",
        views.calibration_certificate,
        name="calibration-certificate-file",
    ),
    path("tools/requirements/", views.tool_requirements_page, name="tool-requirements-page"),
    path("tools/mine/", views.my_tools_page, name="my-tools-page"),
]
