"""The costs app's REST adapter: the cost report and budget against actual (JSON or
``?format=csv``), one ticket's cost, expense claims with their approval actions and
receipt, budgets and cost rates. Every write calls ``tickets.costs.services``."""

import csv
import io

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, renderers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api.actions import service_action
from aftersales.api.files import FILE_RESPONSE, file_response
from aftersales.api.renderers import CsvTextRenderer
from aftersales.platform.api.idempotency import IdempotentCreateMixin
from aftersales.roles import Role
from tickets.models import Ticket

from .. import services
from ..choices import CostGrouping
from ..models import Budget, CostRate, ExpenseClaim
from ..selectors import (
    COST_READERS,
    budget_vs_actual,
    cost_report,
    day_bounds,
    expense_claims_awaiting,
    expense_claims_visible_to,
    ticket_costs,
)
from . import serializers as s

REPORT_COLUMNS = ("tickets", "labour", "parts", "travel", "outsourcing", "total", "per_ticket")
CLAIM_READERS = (*COST_READERS, Role.TECHNICIAN)
APPROVERS = (Role.SUPERVISOR, Role.FINANCE, Role.MANAGER)


class CostCsvRenderer(CsvTextRenderer):
    """``?format=csv`` on the cost report: one line per group, then the totals."""

    def render_file(self, data):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["key", "label", *REPORT_COLUMNS])
        for row in data["rows"]:
            writer.writerow([row["key"], row["label"], *(row[c] for c in REPORT_COLUMNS)])
        totals = data["totals"]
        writer.writerow(["", "total", *(totals[c] for c in REPORT_COLUMNS)])
        return out.getvalue()


class CostReportView(APIView):
    """Cost of the tickets completed in [from, to), grouped by service type, product
    category, area, product model, warranty decision or outlet (``?format=csv`` too)."""

    read_roles = COST_READERS
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CostCsvRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter("to", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter("group_by", str, enum=CostGrouping.values),
        ],
        responses=s.CostReportSerializer,
    )
    def get(self, request):
        query = s.CostQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        report = cost_report(start=data["from"], end=data["to"], group_by=data["group_by"])
        response = Response(s.CostReportSerializer(report).data)
        if (
            getattr(request, "accepted_renderer", None)
            and request.accepted_renderer.format == "csv"
        ):
            response["Content-Disposition"] = (
                f'attachment; filename="costs-{report["group_by"]}.csv"'
            )
        return response


class BudgetVsActualView(APIView):
    """Budget against actual per area and cost kind for the days [first, last]."""

    read_roles = COST_READERS

    @extend_schema(
        parameters=[
            OpenApiParameter("first", OpenApiTypes.DATE, required=True),
            OpenApiParameter("last", OpenApiTypes.DATE, required=True),
        ],
        responses=s.BudgetVsActualSerializer,
    )
    def get(self, request):
        query = s.BudgetQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        first, last = query.validated_data["first"], query.validated_data["last"]
        start, end = day_bounds(first, last)
        result = budget_vs_actual(first=first, last=last, start=start, end=end)
        return Response(s.BudgetVsActualSerializer(result).data)


class TicketCostView(APIView):
    """One ticket's cost, component by component (404 for a ticket that does not exist)."""

    read_roles = COST_READERS

    @extend_schema(responses=s.TicketCostSerializer)
    def get(self, request, pk):
        ticket = get_object_or_404(Ticket.objects.only("id", "number"), pk=pk)
        cost = ticket_costs([ticket.pk])[ticket.pk]
        return Response(
            s.TicketCostSerializer(
                {"ticket": ticket.pk, "number": ticket.number, **cost.as_dict()}
            ).data
        )


class ExpenseClaimViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Expense claims (报销): technicians file theirs (multipart, with the receipt) and see
    only theirs; supervisors, finance, the general manager and auditors see all; each
    approval step is decided by its role (``?awaiting=true``: the claims waiting for me)."""

    queryset = ExpenseClaim.objects.none()
    serializer_class = s.ExpenseClaimSerializer
    read_roles = CLAIM_READERS
    write_roles = (Role.TECHNICIAN,)
    action_roles = {"approve": APPROVERS, "reject": APPROVERS}
    filterset_fields = ["status", "kind", "technician", "ticket"]
    ordering_fields = ["created_at", "amount", "spent_on"]

    @extend_schema(
        parameters=[OpenApiParameter("awaiting", OpenApiTypes.BOOL)],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        user = self.request.user
        if self.action == "list" and self.request.query_params.get("awaiting") == "true":
            claims = expense_claims_awaiting(user)
        else:
            claims = expense_claims_visible_to(user)
        return claims.prefetch_related("approvals")

    create_service = staticmethod(services.expense_claim_file)

    approve = service_action(
        services.expense_claim_approve,
        subject="claim",
        name="approve",
        input=s.ExpenseClaimDecisionInputSerializer,
    )
    reject = service_action(
        services.expense_claim_reject,
        subject="claim",
        name="reject",
        input=s.ExpenseClaimRejectInputSerializer,
    )

    @extend_schema(responses=FILE_RESPONSE)
    @action(detail=True, methods=["get"], url_path="receipt")
    def receipt(self, request, pk=None):
        """The receipt photo, for whoever may see the claim."""
        return file_response(self.get_object().receipt)


class BudgetViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Budgets per month, area and cost kind: cost readers read, finance and the general
    manager set them (a POST for a month, area and kind that has one changes it)."""

    queryset = Budget.objects.select_related("area").order_by("-month", "area_id", "kind")
    serializer_class = s.BudgetSerializer
    read_roles = COST_READERS
    write_roles = services.BUDGET_WRITERS
    filterset_fields = ["month", "area", "kind"]

    create_service = staticmethod(services.budget_set)

    def create_response(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {"area": None, **serializer.validated_data}
        budget = services.budget_set(actor=request.user, **data)
        return 201, self.get_serializer(budget).data


class CostRateViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The internal cost rates (labour per hour, travel per km) by date of effect."""

    queryset = CostRate.objects.all()
    serializer_class = s.CostRateSerializer
    read_roles = COST_READERS
    write_roles = services.RATE_WRITERS

    create_service = staticmethod(services.cost_rate_create)
