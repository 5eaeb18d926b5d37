from django.urls import path

from . import views

urlpatterns = [
    path("integrator-tokens/", views.token_list_page, name="integrator-token-list-page"),
    path("integrator-tokens/new/", views.token_create_page, name="integrator-token-create-page"),
    path(
        "integrator-tokens/<int:pk>/rotate/",
        views.token_rotate_page,
        name="integrator-token-rotate-page",
    ),
    path(
        "integrator-tokens/<int:pk>/revoke/",
        views.token_revoke_page,
        name="integrator-token-revoke-page",
    ),
]
