"""REST for the warranty (README "Warranty and service contracts"): part groups and
terms (every staff role reads, supervisors write), service contracts (the desk reads,
supervisors sign, renew and cancel), and ``GET /tickets/{id}/warranty/``: the derived
decision with its reasons. Every write goes through ``tickets.warranty.services``."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api.actions import service_action
from aftersales.api.concurrency import expected_version
from aftersales.api.serializers import StrictFieldsMixin
from aftersales.roles import Role
from parts.models import Part
from tickets.models import Customer, Product, ProductModel, Ticket
from tickets.warranty import services
from tickets.warranty.choices import ContractKind, WarrantyScope
from tickets.warranty.coverage import ticket_coverage
from tickets.warranty.models import ServiceContract, WarrantyPartGroup, WarrantyTerm
from tickets.warranty.selectors import contracts_list, ticket_decision, ticket_record

SUPERVISOR = (Role.SUPERVISOR,)
CONTRACT_READERS = (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR)


# --- Serializers ---------------------------------------------------------------------------


class PartGroupSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = WarrantyPartGroup
        fields = ["id", "code", "name"]


class PartGroupUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=100)


class PartGroupPartsSerializer(StrictFieldsMixin, serializers.Serializer):
    add = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all(), many=True, required=False)
    remove = serializers.PrimaryKeyRelatedField(
        queryset=Part.objects.all(), many=True, required=False
    )


class TermSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    part_group = serializers.SlugRelatedField(
        slug_field="code",
        queryset=WarrantyPartGroup.objects.all(),
        required=False,
        allow_null=True,
    )
    product_model = serializers.SlugRelatedField(
        slug_field="code", queryset=ProductModel.objects.all()
    )
    scope = serializers.ChoiceField(choices=WarrantyScope.choices)

    class Meta:
        model = WarrantyTerm
        fields = [
            "id",
            "product_model",
            "scope",
            "part_group",
            "months",
            "extends_by_repair_days",
            "version",
        ]
        read_only_fields = ["id", "version"]
        validators = []  # the service checks one term per scope and group


class TermUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    months = serializers.IntegerField(min_value=1, max_value=600, required=False)
    extends_by_repair_days = serializers.BooleanField(required=False)


class ContractSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(read_only=True)
    products = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    visits_used = serializers.IntegerField(read_only=True)
    renewed_from = serializers.SlugRelatedField(
        slug_field="number", read_only=True, allow_null=True
    )
    renewal = serializers.SerializerMethodField()

    class Meta:
        model = ServiceContract
        fields = [
            "id",
            "number",
            "customer",
            "products",
            "kind",
            "covers_parts",
            "covers_labour",
            "covers_callout",
            "starts_on",
            "ends_on",
            "fee",
            "visits_included",
            "visits_used",
            "status",
            "renewed_from",
            "renewal",
            "note",
            "cancel_reason",
            "cancelled_at",
            "reminder_sent_on",
            "created_at",
            "version",
        ]
        read_only_fields = fields

    def get_renewal(self, contract) -> str | None:
        renewal = getattr(contract, "renewal", None)
        return renewal.number if renewal else None


class ContractCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.active())
    products = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), many=True, allow_empty=False
    )
    kind = serializers.ChoiceField(choices=ContractKind.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    fee = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    visits_included = serializers.IntegerField(
        min_value=0, max_value=999, required=False, allow_null=True
    )
    covers_parts = serializers.BooleanField(required=False, default=True)
    covers_labour = serializers.BooleanField(required=False, default=True)
    covers_callout = serializers.BooleanField(required=False, default=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ContractRenewSerializer(StrictFieldsMixin, serializers.Serializer):
    ends_on = serializers.DateField(required=False)
    fee = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)


class ContractCancelSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ScopeSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=WarrantyScope.choices)
    part_group = serializers.CharField()
    name = serializers.CharField()
    until = serializers.DateField()
    covered = serializers.BooleanField()
    extension_days = serializers.IntegerField()


class TicketWarrantySerializer(serializers.Serializer):
    """A ticket's warranty: the decision stored at triage and the one derived now."""

    ticket = serializers.IntegerField()
    decision = serializers.CharField(help_text="The decision stored at triage ('' before).")
    derived_decision = serializers.CharField()
    labour = serializers.BooleanField()
    callout = serializers.BooleanField()
    parts = serializers.BooleanField()
    free_part_groups = serializers.ListField(child=serializers.CharField())
    part_group = serializers.CharField()
    contract = serializers.CharField(allow_null=True, help_text="The covering contract's number.")
    reasons = serializers.ListField(child=serializers.CharField())
    scopes = ScopeSerializer(many=True)
    goodwill_reason = serializers.CharField()
    goodwill_by = serializers.CharField(allow_null=True)


# --- Views -----------------------------------------------------------------------------------


class PartGroupViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Main-part groups with their own warranty (compressor, motor…)."""

    queryset = WarrantyPartGroup.objects.all()
    serializer_class = PartGroupSerializer
    write_roles = SUPERVISOR
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = services.part_group_create(
            actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=PartGroupUpdateSerializer, responses=PartGroupSerializer)
    def partial_update(self, request, pk=None):
        data = PartGroupUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        group = services.part_group_update(
            group=self.get_object(), actor=request.user, **data.validated_data
        )
        return Response(PartGroupSerializer(group).data)

    parts = service_action(
        services.part_group_parts_set,
        subject="group",
        name="parts",
        input=PartGroupPartsSerializer,
        output=PartGroupSerializer,
        summary="Put parts in the group (add) or take them out (remove)",
    )


class TermViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Warranty terms per product model and scope (``?product_model=<code>``)."""

    queryset = WarrantyTerm.objects.select_related("product_model", "part_group")
    serializer_class = TermSerializer
    write_roles = SUPERVISOR
    filterset_fields = ["scope"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        qs = super().get_queryset()
        code = self.request.query_params.get("product_model")
        return qs.filter(product_model__code=code) if code else qs

    def perform_create(self, serializer):
        serializer.instance = services.warranty_term_create(
            actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=TermUpdateSerializer, responses=TermSerializer)
    def partial_update(self, request, pk=None):
        data = TermUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        term = services.warranty_term_update(
            term=self.get_object(),
            actor=request.user,
            expected_version=expected_version(request),
            **data.validated_data,
        )
        return Response(TermSerializer(term).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.warranty_term_delete(term=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContractViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Service contracts: signed, renewed and cancelled by supervisors, read by the desk."""

    queryset = ServiceContract.objects.none()
    serializer_class = ContractSerializer
    read_roles = CONTRACT_READERS
    write_roles = SUPERVISOR
    filterset_fields = ["status", "kind", "customer"]

    def get_queryset(self):
        return (
            contracts_list().select_related("renewed_from", "renewal").prefetch_related("products")
        )

    @extend_schema(request=ContractCreateSerializer, responses={201: ContractSerializer})
    def create(self, request):
        data = ContractCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contract = services.contract_create(actor=request.user, **data.validated_data)
        contract = self.get_queryset().get(pk=contract.pk)
        return Response(ContractSerializer(contract).data, status=status.HTTP_201_CREATED)

    def _respond(self, contract):
        return Response(ContractSerializer(self.get_queryset().get(pk=contract.pk)).data)

    renew = service_action(
        services.contract_renew,
        subject="contract",
        name="renew",
        input=ContractRenewSerializer,
        output=ContractSerializer,
        respond=lambda view, contract: view._respond(contract),
        extra=lambda request: {"expected_version": expected_version(request)},
        summary="Renew: the answer is the successor contract",
    )
    cancel = service_action(
        services.contract_cancel,
        subject="contract",
        name="cancel",
        input=ContractCancelSerializer,
        output=ContractSerializer,
        respond=lambda view, contract: view._respond(contract),
        extra=lambda request: {"expected_version": expected_version(request)},
        summary="active → cancelled, with a reason",
    )


def ticket_warranty_data(ticket):
    """The body of ``GET /tickets/{id}/warranty/`` (also the triage section's data)."""
    derived = ticket_decision(ticket)
    cover = ticket_coverage(ticket) if ticket.warranty_decision else derived
    record = ticket_record(ticket)
    contract_id = cover.contract_id
    number = (
        ServiceContract.objects.filter(pk=contract_id).values_list("number", flat=True).first()
        if contract_id
        else None
    )
    return {
        "ticket": ticket.pk,
        "decision": ticket.warranty_decision,
        "derived_decision": derived.decision,
        "labour": cover.labour,
        "callout": cover.callout,
        "parts": cover.parts,
        "free_part_groups": sorted(cover.free_part_groups),
        "part_group": record.part_group if record else "",
        "contract": number,
        "reasons": list(cover.reasons),
        "scopes": [
            {
                "scope": sc.scope,
                "part_group": sc.part_group,
                "name": sc.name,
                "until": sc.until,
                "covered": sc.covered,
                "extension_days": sc.extension_days,
            }
            for sc in derived.scopes
        ],
        "goodwill_reason": record.goodwill_reason if record else "",
        "goodwill_by": (
            record.goodwill_by.get_username() if record and record.goodwill_by_id else None
        ),
    }


class TicketWarrantyView(APIView):
    """``GET /tickets/{id}/warranty/``: the ticket's warranty decision with its reasons,
    each scope's end date and the covering contract. Anyone who may see the ticket."""

    read_roles = (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.TECHNICIAN)

    @extend_schema(responses=TicketWarrantySerializer)
    def get(self, request, pk):
        ticket = get_object_or_404(
            Ticket.objects.visible_to(request.user).select_related("product__model"), pk=pk
        )
        return Response(TicketWarrantySerializer(ticket_warranty_data(ticket)).data)


def register(router):
    """Add the warranty's endpoints to the API router (tickets/api/urls.py)."""
    router.register("warranty/part-groups", PartGroupViewSet, basename="warranty-part-group")
    router.register("warranty/terms", TermViewSet, basename="warranty-term")
    router.register("service-contracts", ContractViewSet, basename="service-contract")
