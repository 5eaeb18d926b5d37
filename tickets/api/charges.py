"""REST adapter of the charges (tickets.charges): price lists, quotes, charge lines,
receipts (JSON and PDF), payments and refunds. Selectors in, services out.

Who: staff read (technicians only their jobs, integrators what they filed, finance
everything); supervisors write price lists; the technician of the job (or a supervisor)
makes and records quotes; technicians of the job, the desk and finance record payments;
the desk and finance request refunds, supervisors and finance decide them."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api.actions import service_action
from aftersales.api.concurrency import expected_version
from aftersales.api.renderers import PdfRenderer
from aftersales.api.serializers import StrictFieldsMixin
from aftersales.platform.api.idempotency import IdempotentCreateMixin
from aftersales.roles import Role
from parts.models import Part
from tickets.charges import receipts, selectors, services
from tickets.charges.choices import PaymentMethod
from tickets.charges.models import (
    CalloutZone,
    ChargeLine,
    LabourRate,
    PartPrice,
    Payment,
    PriceList,
    Quote,
    QuoteLine,
    Receipt,
    Refund,
)
from tickets.choices import TicketCategory
from tickets.models import ProductCategory

STAFF = (
    Role.AGENT,
    Role.SUPERVISOR,
    Role.AUDITOR,
    Role.TECHNICIAN,
    Role.FINANCE,
    Role.INTEGRATOR,
)
SUPERVISORS = (Role.SUPERVISOR,)

# --- Serializers ----------------------------------------------------------------


class LabourRateSerializer(serializers.ModelSerializer):
    product_category = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = LabourRate
        fields = ["id", "service_type", "product_category", "amount"]


class CalloutZoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = CalloutZone
        fields = ["id", "code", "name", "up_to_km", "fee"]


class PartPriceSerializer(serializers.ModelSerializer):
    part = serializers.SlugRelatedField(slug_field="sku", read_only=True)

    class Meta:
        model = PartPrice
        fields = ["id", "part", "price"]


class PriceListSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    labour_rates = LabourRateSerializer(many=True, read_only=True)
    callout_zones = CalloutZoneSerializer(many=True, read_only=True)
    part_prices = PartPriceSerializer(many=True, read_only=True)
    copy_from = serializers.PrimaryKeyRelatedField(
        queryset=PriceList.objects.all(),
        write_only=True,
        required=False,
        allow_null=True,
        help_text="The version to copy the lines from (default: the list in force today).",
    )

    class Meta:
        model = PriceList
        fields = [
            "id",
            "code",
            "name",
            "effective_from",
            "status",
            "currency",
            "notes",
            "published_at",
            "labour_rates",
            "callout_zones",
            "part_prices",
            "copy_from",
        ]
        read_only_fields = ["status", "currency", "published_at"]
        extra_kwargs = {"code": {"validators": []}}


class LabourRateInput(StrictFieldsMixin, serializers.Serializer):
    service_type = serializers.ChoiceField(choices=TicketCategory.choices)
    product_category = serializers.SlugRelatedField(
        slug_field="code", queryset=ProductCategory.objects.all(), required=False, allow_null=True
    )
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)


class ZoneInput(StrictFieldsMixin, serializers.Serializer):
    code = serializers.CharField(max_length=16)
    name = serializers.CharField(max_length=100)
    up_to_km = serializers.DecimalField(
        max_digits=7, decimal_places=1, min_value=0, required=False, allow_null=True
    )
    fee = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)


class PartPriceInput(StrictFieldsMixin, serializers.Serializer):
    part = serializers.SlugRelatedField(slug_field="sku", queryset=Part.objects.all())
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)


class LineRemoveInput(StrictFieldsMixin, serializers.Serializer):
    kind = serializers.ChoiceField(choices=sorted(services.LINE_MODELS))
    line_id = serializers.IntegerField()


class LineSerializer(serializers.ModelSerializer):
    part = serializers.SlugRelatedField(slug_field="sku", read_only=True)
    title = serializers.SerializerMethodField()

    class Meta:
        model = QuoteLine
        fields = [
            "id",
            "kind",
            "title",
            "part",
            "quantity",
            "unit_price",
            "amount",
            "free",
            "free_reason",
        ]

    def get_title(self, line) -> str:
        return str(selectors.line_title(line))


class ChargeLineSerializer(LineSerializer):
    receipt = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta(LineSerializer.Meta):
        model = ChargeLine
        fields = [*LineSerializer.Meta.fields, "ticket", "quote", "receipt"]


class QuoteSerializer(serializers.ModelSerializer):
    lines = LineSerializer(many=True, read_only=True)
    price_list = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Quote
        fields = [
            "id",
            "number",
            "ticket",
            "status",
            "price_list",
            "travel_km",
            "zone_code",
            "total",
            "callout_amount",
            "signer_name",
            "decline_reason",
            "decided_at",
            "created_at",
            "version",
            "lines",
        ]


class QuotePartInput(StrictFieldsMixin, serializers.Serializer):
    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.filter(approved=True))
    quantity = serializers.IntegerField(min_value=1, max_value=99, default=1)
    charged = serializers.BooleanField(
        default=False, help_text="Charge a covered part (e.g. damage by the user)."
    )


class QuoteCreateInput(StrictFieldsMixin, serializers.Serializer):
    ticket = serializers.IntegerField()
    travel_km = serializers.DecimalField(
        max_digits=7, decimal_places=1, min_value=0, required=False, allow_null=True
    )
    parts = QuotePartInput(many=True, required=False)


class QuoteApproveInput(StrictFieldsMixin, serializers.Serializer):
    signature = serializers.CharField(help_text="The customer's signature, a PNG data URL.")
    signer_name = serializers.CharField(max_length=100, required=False, default="")


class QuoteDeclineInput(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class ReceiptSerializer(serializers.ModelSerializer):
    lines = ChargeLineSerializer(many=True, read_only=True)
    method = serializers.CharField(source="payment.method", read_only=True)

    class Meta:
        model = Receipt
        fields = ["id", "number", "ticket", "payment", "amount", "method", "issued_at", "lines"]


class PaymentSerializer(serializers.ModelSerializer):
    receipt = serializers.SerializerMethodField()
    refunded = serializers.DecimalField(
        max_digits=10, decimal_places=2, read_only=True, default=None
    )

    class Meta:
        model = Payment
        fields = [
            "id",
            "ticket",
            "amount",
            "method",
            "reference",
            "recorded_at",
            "receipt",
            "refunded",
        ]

    def get_receipt(self, payment) -> str | None:
        receipt = getattr(payment, "receipt", None)
        return receipt.number if receipt else None


class PaymentCreateInput(StrictFieldsMixin, serializers.Serializer):
    ticket = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)


class RefundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = [
            "id",
            "payment",
            "amount",
            "reason",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "version",
        ]
        read_only_fields = [
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "version",
        ]


class RefundCreateInput(StrictFieldsMixin, serializers.Serializer):
    payment = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    reason = serializers.CharField(max_length=500)


class RefundApproveInput(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class RefundRejectInput(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(max_length=500)


# --- Views ------------------------------------------------------------------------


def _if_match(request):
    return {"expected_version": expected_version(request)}


class PriceListViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The charging standards' versions (收费标准): staff read, supervisors create a draft
    (its lines copied from ``copy_from`` or the list in force), edit its lines while it
    is a draft, and publish it (immutable from then on)."""

    queryset = PriceList.objects.none()
    serializer_class = PriceListSerializer
    filterset_fields = ["status"]
    ordering_fields = ["effective_from"]
    read_roles = STAFF
    write_roles = SUPERVISORS

    def get_queryset(self):
        return selectors.price_lists()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.price_list_create(actor=self.request.user, **data)

    def _fresh(self, view, result):
        return Response(PriceListSerializer(self.get_queryset().get(pk=result.pk)).data)

    publish = service_action(services.price_list_publish, subject="price_list", name="publish")
    labour_rates = service_action(
        services.price_list_labour_set,
        subject="price_list",
        name="labour-rates",
        input=LabourRateInput,
        output=PriceListSerializer,
        respond=lambda view, rate: view._fresh(view, rate.price_list),
    )
    zones = service_action(
        services.price_list_zone_set,
        subject="price_list",
        name="zones",
        input=ZoneInput,
        output=PriceListSerializer,
        respond=lambda view, zone: view._fresh(view, zone.price_list),
    )
    part_prices = service_action(
        services.price_list_part_price_set,
        subject="price_list",
        name="part-prices",
        input=PartPriceInput,
        output=PriceListSerializer,
        respond=lambda view, row: view._fresh(view, row.price_list),
    )
    remove_line = service_action(
        services.price_list_line_remove,
        subject="price_list",
        name="remove-line",
        input=LineRemoveInput,
        output=PriceListSerializer,
        respond=lambda view, _none: view._fresh(view, view.get_object()),
    )


@extend_schema_view(
    create=extend_schema(request=QuoteCreateInput, responses={201: QuoteSerializer})
)
class QuoteViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Quotes before repair (报价). ``POST`` (the job's technician, on site; ``If-Match``:
    the ticket's version) prices labour, call-out and parts; ``approve`` (the customer's
    signature) or ``decline`` (``If-Match``: the quote's version)."""

    answers_404 = True  # the ticket (or payment) named in the body may not be visible

    queryset = Quote.objects.none()
    serializer_class = QuoteSerializer
    filterset_fields = ["ticket", "status"]
    ordering_fields = ["created_at"]
    read_roles = STAFF
    write_roles = (Role.TECHNICIAN, Role.SUPERVISOR)

    def get_queryset(self):
        return selectors.quote_list(user=self.request.user)

    def create_response(self, request):
        data = QuoteCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        ticket = get_object_or_404(
            selectors.charge_tickets(user=request.user), pk=values.pop("ticket")
        )
        quote = services.quote_create(
            ticket=ticket,
            actor=request.user,
            expected_version=expected_version(request),
            **values,
        )
        return status.HTTP_201_CREATED, QuoteSerializer(self.get_queryset().get(pk=quote.pk)).data

    approve = service_action(
        services.quote_approve,
        subject="quote",
        name="approve",
        input=QuoteApproveInput,
        extra=_if_match,
    )
    decline = service_action(
        services.quote_decline,
        subject="quote",
        name="decline",
        input=QuoteDeclineInput,
        extra=_if_match,
    )


class ChargeLineViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The jobs' charge lines as the work orders carry them (``?ticket=``): free lines
    with their reason, charged ones with their amount and receipt."""

    queryset = ChargeLine.objects.none()
    serializer_class = ChargeLineSerializer
    filterset_fields = ["ticket", "kind", "free"]
    ordering_fields = []
    read_roles = STAFF

    def get_queryset(self):
        return selectors.charge_line_list(user=self.request.user).order_by("id")


class ReceiptViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Receipts (收据), issued when a payment is recorded; ``pdf`` downloads one."""

    queryset = Receipt.objects.none()
    serializer_class = ReceiptSerializer
    filterset_fields = ["ticket"]
    ordering_fields = ["issued_at"]
    read_roles = STAFF

    def get_queryset(self):
        return selectors.receipt_list(user=self.request.user)

    # Errors are JSON (the first renderer); the receipt itself is the PDF. Both declared,
    # as the customer export does, so the schema names every content type answered.
    @extend_schema(
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "application/pdf"): OpenApiTypes.BINARY,
        }
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PdfRenderer])
    def pdf(self, request, pk=None):
        """The receipt as a PDF, in the customer's language."""
        receipt = self.get_object()
        response = HttpResponse(receipts.receipt_pdf(receipt), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="{receipts.receipt_filename(receipt)}"'
        )
        return response


@extend_schema_view(
    create=extend_schema(request=PaymentCreateInput, responses={201: ReceiptSerializer})
)
class PaymentViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Payments as recorded (cash, WeChat Pay, Alipay, bank transfer; not processed).
    ``POST`` records the payment of what is due on a job and answers its receipt."""

    answers_404 = True  # the ticket (or payment) named in the body may not be visible

    queryset = Payment.objects.none()
    serializer_class = PaymentSerializer
    filterset_fields = ["ticket", "method"]
    ordering_fields = ["recorded_at"]
    read_roles = STAFF
    write_roles = services.PAYMENT_ROLES

    def get_queryset(self):
        return selectors.payment_list(user=self.request.user)

    def create_response(self, request):
        data = PaymentCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        ticket = get_object_or_404(
            selectors.charge_tickets(user=request.user), pk=values.pop("ticket")
        )
        receipt = services.payment_record(ticket=ticket, actor=request.user, **values)
        receipt = selectors.receipt_list(user=request.user).get(pk=receipt.pk)
        return status.HTTP_201_CREATED, ReceiptSerializer(receipt).data


@extend_schema_view(
    create=extend_schema(request=RefundCreateInput, responses={201: RefundSerializer})
)
class RefundViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Refunds: requested with a reason (desk, finance), approved or rejected by a
    supervisor or finance (not the requester); never more than was paid."""

    answers_404 = True  # the ticket (or payment) named in the body may not be visible

    queryset = Refund.objects.none()
    serializer_class = RefundSerializer
    filterset_fields = ["payment", "status"]
    ordering_fields = ["requested_at"]
    read_roles = STAFF
    write_roles = services.REFUND_REQUEST_ROLES
    action_roles = {
        "approve": services.REFUND_DECIDE_ROLES,
        "reject": services.REFUND_DECIDE_ROLES,
    }

    def get_queryset(self):
        return selectors.refund_list(user=self.request.user)

    def create_response(self, request):
        data = RefundCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        payment = get_object_or_404(
            selectors.payment_list(user=request.user), pk=values.pop("payment")
        )
        refund = services.refund_request(payment=payment, actor=request.user, **values)
        return status.HTTP_201_CREATED, RefundSerializer(refund).data

    approve = service_action(
        services.refund_approve,
        subject="refund",
        name="approve",
        input=RefundApproveInput,
        extra=_if_match,
    )
    reject = service_action(
        services.refund_reject,
        subject="refund",
        name="reject",
        input=RefundRejectInput,
        extra=_if_match,
    )


def register(router):
    """The charges' endpoints on the API router (one line in ``tickets.api.urls``)."""
    router.register("price-lists", PriceListViewSet, basename="price-list")
    router.register("quotes", QuoteViewSet, basename="quote")
    router.register("charge-lines", ChargeLineViewSet, basename="charge-line")
    router.register("receipts", ReceiptViewSet, basename="receipt")
    router.register("payments", PaymentViewSet, basename="payment")
    router.register("refunds", RefundViewSet, basename="refund")
