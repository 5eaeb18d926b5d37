from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.ticket_list_page, name="ticket-list-page"),
    path("tickets/<int:pk>/", views.ticket_detail_page, name="ticket-detail-page"),
]
