"""REST adapter of the depot repair: equipment receipts (take-in, stage, lend, return,
PDF) and the loan units. Selectors in, services out.

Who: the desk, auditors and the workshop read every receipt, a technician those of their
jobs; the desk, the workshop and technicians (their jobs) take units in; the workshop and
supervisors move stages; the desk and the workshop lend loan units and hand units back;
the workshop and supervisors keep the loan-unit ledger."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api.actions import service_action
from aftersales.api.concurrency import expected_version
from aftersales.api.renderers import PdfRenderer
from aftersales.roles import Role
from tickets.models import Ticket

from .. import receipts, selectors, services
from ..models import EquipmentReceipt, LoanUnit
from .serializers import (
    EquipmentReceiptSerializer,
    LoanUnitSerializer,
    LoanUnitStatusInput,
    ReceiptCreateInput,
    ReceiptLendInput,
    ReceiptReturnInput,
    ReceiptStageInput,
)

READERS = (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.WORKSHOP, Role.TECHNICIAN)


def _if_match(request):
    return {"expected_version": expected_version(request)}


@extend_schema_view(
    create=extend_schema(request=ReceiptCreateInput, responses={201: EquipmentReceiptSerializer})
)
class EquipmentReceiptViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Equipment receipts (设备收条) of units taken in for workshop repair. ``POST`` takes a
    unit in (the customer's signature required); ``stage`` moves it through the workshop
    (``If-Match``: the receipt's version); ``lend`` lends a loan unit; ``return`` hands it
    back and closes the receipt with the customer's signature; ``pdf`` prints it."""

    answers_404 = True  # the ticket named in the body may not be visible

    queryset = EquipmentReceipt.objects.none()
    serializer_class = EquipmentReceiptSerializer
    filterset_fields = ["ticket", "stage", "status"]
    ordering_fields = ["received_at", "due_at"]
    read_roles = READERS
    write_roles = services.TAKE_IN_ROLES
    action_roles = {
        "stage": services.STAGE_ROLES,
        "lend": services.LOAN_LEND_ROLES,
        "return_": services.RETURN_ROLES,
    }

    def get_queryset(self):
        return selectors.receipt_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        data = ReceiptCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        visible = Ticket.objects.visible_to(request.user)
        ticket = get_object_or_404(visible, pk=values.pop("ticket"))
        receipt = services.receipt_take_in(ticket=ticket, actor=request.user, **values)
        body = EquipmentReceiptSerializer(self.get_queryset().get(pk=receipt.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    stage = service_action(
        services.receipt_stage_set,
        subject="receipt",
        name="stage",
        input=ReceiptStageInput,
        extra=_if_match,
    )
    lend = service_action(
        services.receipt_loan_lend,
        subject="receipt",
        name="lend",
        input=ReceiptLendInput,
        extra=_if_match,
    )
    return_ = service_action(
        services.receipt_return,
        subject="receipt",
        name="return",
        method_name="return_",
        input=ReceiptReturnInput,
        extra=_if_match,
    )

    @extend_schema(
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "application/pdf"): OpenApiTypes.BINARY,
        }
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PdfRenderer])
    def pdf(self, request, pk=None):
        """The equipment receipt as a PDF for the customer, in the customer's language."""
        receipt = self.get_object()
        response = HttpResponse(receipts.receipt_pdf(receipt), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="{receipts.receipt_filename(receipt)}"'
        )
        return response


class LoanUnitViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The loan units (备用机) lent while a customer's unit is in the workshop. ``POST``
    adds one (available); ``status`` takes one out of service or back."""

    queryset = LoanUnit.objects.none()
    serializer_class = LoanUnitSerializer
    filterset_fields = ["status", "product_model"]
    ordering_fields = ["number"]
    read_roles = (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.WORKSHOP)
    write_roles = services.LOAN_LEDGER_ROLES

    def get_queryset(self):
        return selectors.loan_unit_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.loan_unit_create(
            actor=self.request.user, **serializer.validated_data
        )

    set_status = service_action(
        services.loan_unit_status_set,
        subject="unit",
        name="status",
        method_name="set_status",
        input=LoanUnitStatusInput,
        extra=_if_match,
    )
