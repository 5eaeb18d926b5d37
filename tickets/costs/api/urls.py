from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("expense-claims", views.ExpenseClaimViewSet, basename="expense-claim")
router.register("budgets", views.BudgetViewSet, basename="budget")
router.register("cost-rates", views.CostRateViewSet, basename="cost-rate")

urlpatterns = [
    path("reports/costs/", views.CostReportView.as_view(), name="report-costs"),
    path(
        "reports/budget-vs-actual/",
        views.BudgetVsActualView.as_view(),
        name="report-budget-vs-actual",
    ),
    path("ticket-costs/<int:pk>/", views.TicketCostView.as_view(), name="ticket-cost"),
    *router.urls,
]
