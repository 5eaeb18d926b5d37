"""The pages of this app."""

from django.urls import path

from . import views

urlpatterns = [
    path("depot/", views.workshop_page, name="depot-workshop-page"),
    path("depot/receipts/<int:pk>/", views.repair_page, name="depot-repair-page"),
    path("depot/receipts/<int:pk>/stage/", views.stage_set, name="depot-stage"),
    path("depot/receipts/<int:pk>/lend/", views.lend, name="depot-lend"),
    path("depot/receipts/<int:pk>/return/", views.return_unit, name="depot-return"),
    path("depot/receipts/<int:pk>/photos/", views.photo_add, name="depot-photo-add"),
    path("depot/receipts/<int:pk>/pdf/", views.receipt_pdf, name="depot-receipt-pdf"),
    path("depot/photos/<int:pk>/", views.photo_file, name="depot-photo-file"),
    path("depot/tickets/<int:pk>/take-in/", views.take_in, name="depot-take-in"),
]
