from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .views import outlets as outlet_views
from .views import warranty as warranty_pages
from .views.charges import urlpatterns as charges_urls

urlpatterns = [
    *charges_urls,  # first: /service/prices/ before /service/<number>/
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("tickets/", views.ticket_list_page, name="ticket-list-page"),
    path("tickets/new/", views.ticket_create_page, name="ticket-create-page"),
    path(
        "tickets/new/open-tickets/",
        views.intake_open_tickets,
        name="ticket-create-open-tickets",
    ),
    path(
        "tickets/new/suggestions/",
        views.intake_suggestions,
        name="ticket-create-suggestions",
    ),
    path("tickets/bulk/", views.ticket_bulk_page, name="ticket-bulk-page"),
    path("tickets/<int:pk>/", views.ticket_detail_page, name="ticket-detail-page"),
    # Before the action route, which would take "attachments" for an action's name.
    path(
        "tickets/<int:pk>/attachments/",
        views.ticket_attachment_add_page,
        name="ticket-attachment-add-page",
    ),
    path(
        "tickets/<int:pk>/attachments/<int:attachment_pk>/",
        views.ticket_attachment_file,
        name="ticket-attachment-file",
    ),
    path(
        "tickets/<int:pk>/attachments/<int:attachment_pk>/thumbnail/",
        views.ticket_attachment_thumbnail,
        name="ticket-attachment-thumbnail",
    ),
    path(
        "tickets/<int:pk>/attachments/<int:attachment_pk>/remove/",
        views.ticket_attachment_remove_page,
        name="ticket-attachment-remove-page",
    ),
    path(
        "tickets/<int:pk>/work-order.pdf",
        views.ticket_work_order_file,
        name="ticket-work-order-file",
    ),
    path(
        "tickets/<int:pk>/<slug:action>/",
        views.ticket_action_page,
        name="ticket-action-page",
    ),
    *outlet_views.urlpatterns,
    path("customers/<int:pk>/", views.customer_detail_page, name="customer-detail-page"),
    path("customers/<int:pk>/edit/", views.customer_edit_page, name="customer-edit-page"),
    path("customers/<int:pk>/products/", views.customer_product_page, name="customer-product-page"),
    path("customers/<int:pk>/correct/", views.customer_correct_page, name="customer-correct-page"),
    path("jobs/", views.my_jobs_page, name="my-jobs-page"),
    path("jobs/sw.js", views.service_worker, name="job-service-worker"),
    path("jobs/manifest.webmanifest", views.web_manifest, name="job-web-manifest"),
    path("jobs/offline/", views.job_offline_page, name="job-offline-page"),
    path("jobs/sync/", views.job_sync_state, name="job-sync-state"),
    path("jobs/<int:pk>/", views.job_page, name="job-page"),
    path("jobs/<int:pk>/on-my-way/", views.job_on_my_way_page, name="job-on-my-way"),
    path("jobs/<int:pk>/check-in/", views.job_check_in_page, name="job-check-in"),
    path("jobs/<int:pk>/complete/", views.job_complete_page, name="job-complete"),
    path("jobs/<int:pk>/photos/", views.job_photo_page, name="job-photo"),
    path("jobs/<int:pk>/van-parts/", views.job_van_parts, name="job-van-parts"),
    path("jobs/<int:pk>/part-line/", views.job_part_line, name="job-part-line"),
    path("jobs/<int:pk>/sign/", views.job_sign_page, name="job-sign-page"),
    path("jobs/<int:pk>/work-order.pdf", views.job_work_order_file, name="job-work-order-file"),
    path("dashboard/", views.dashboard_page, name="dashboard-page"),
    path(
        "dashboard/charts/<slug:chart>.csv",
        views.dashboard_chart_csv,
        name="dashboard-chart-csv",
    ),
    path("dispatch/", views.dispatch_board_page, name="dispatch-board-page"),
    path("dispatch/book/", views.dispatch_board_book, name="dispatch-board-book"),
    path("dispatch/candidates/", views.dispatch_board_candidates, name="dispatch-board-candidates"),
    path("desk/search/", views.global_search_page, name="desk-search"),
    path("desk/call/", views.screen_pop, name="desk-call"),
    # The customer's own pages, no account (tickets.views.public).
    path("service/", views.public_lookup_page, name="public-lookup-page"),
    path("service/<str:number>/", views.public_status_page, name="public-status-page"),
    path(
        "service/<str:number>/reschedule/",
        views.public_reschedule_page,
        name="public-reschedule-page",
    ),
    path(
        "service/<str:number>/confirm/<str:token>/",
        views.public_confirm_page,
        name="public-confirm-page",
    ),
    path(
        "service/<str:number>/survey/<str:token>/",
        views.public_survey_page,
        name="public-survey-page",
    ),
    path(
        "service/<str:number>/work-order/<str:token>.pdf",
        views.public_work_order_file,
        name="public-work-order-file",
    ),
    *warranty_pages.urls(),
]
