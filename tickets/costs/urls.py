from django.urls import path

from . import views

urlpatterns = [
    path("costs/", views.cost_report_page, name="cost-report-page"),
    path("costs/budgets/", views.budget_page, name="budget-page"),
    path("costs/claims/", views.claim_list_page, name="expense-claim-list-page"),
    path("costs/claims/new/", views.claim_new_page, name="expense-claim-new-page"),
    path("costs/claims/<int:pk>/", views.claim_page, name="expense-claim-page"),
    path("costs/claims/<int:pk>/receipt/", views.claim_receipt, name="expense-claim-receipt-file"),
]
