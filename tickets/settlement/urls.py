from django.urls import path

from . import views

urlpatterns = [
    path("settlement/", views.statement_list_page, name="settlement-list-page"),
    path("settlement/build/", views.statement_build_page, name="settlement-build-page"),
    path("settlement/<int:pk>/", views.statement_page, name="settlement-statement-page"),
    path(
        "settlement/<int:pk>/submit/",
        views.statement_submit_page,
        name="settlement-submit-page",
    ),
    path(
        "settlement/<int:pk>/approve/",
        views.statement_review_page,
        {"decision": "approve"},
        name="settlement-approve-page",
    ),
    path(
        "settlement/<int:pk>/return/",
        views.statement_review_page,
        {"decision": "return"},
        name="settlement-return-page",
    ),
    path(
        "settlement/<int:pk>/export/<str:fmt>/",
        views.statement_export_page,
        name="settlement-export-page",
    ),
]
