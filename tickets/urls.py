from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("tickets/", views.ticket_list_page, name="ticket-list-page"),
    path("tickets/new/", views.ticket_create_page, name="ticket-create-page"),
    path("tickets/<int:pk>/", views.ticket_detail_page, name="ticket-detail-page"),
    path(
        "tickets/<int:pk>/<slug:action>/",
        views.ticket_action_page,
        name="ticket-action-page",
    ),
    path("customers/<int:pk>/", views.customer_detail_page, name="customer-detail-page"),
    path("jobs/", views.my_jobs_page, name="my-jobs-page"),
    path("dashboard/", views.dashboard_page, name="dashboard-page"),
    path("desk/search/", views.global_search_page, name="desk-search"),
    path("desk/call/", views.screen_pop, name="desk-call"),
]
