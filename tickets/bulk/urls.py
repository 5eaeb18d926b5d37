from django.urls import path

from . import views

urlpatterns = [
    path("bulk/", views.bulk_page, name="bulk-page"),
    path("bulk/import/", views.bulk_import_page, name="bulk-import-page"),
    path(
        "bulk/export/<slug:kind>.<str:fmt>",
        views.bulk_export_file,
        name="bulk-export-file",
    ),
]
