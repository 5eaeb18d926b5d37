"""REST API of service outlets, partner scorecards and dispatch to an outlet.

``/api/v1/outlets/``: staff read (an outlet dispatcher only their own outlets), supervisors
write; ``/api/v1/partner-scorecards/``: supervisors and auditors read, supervisors draft,
assess and finalise; ``POST /api/v1/tickets/{id}/dispatch-to-outlet/``: supervisors.
Each write is one service call (``technicians.outlets.services``,
``tickets.services.ticket_dispatch_to_outlet``).
"""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from aftersales.api.actions import service_action
from aftersales.api.concurrency import etag, expected_version
from aftersales.api.serializers import StrictFieldsMixin
from aftersales.roles import Role
from parts.models import StockLocation
from technicians.models import Technician
from technicians.outlets import services as outlet_services
from technicians.outlets.choices import OutletKind
from technicians.outlets.models import Outlet, PartnerScorecard
from technicians.outlets.selectors import outlet_list, scorecard_list
from tickets.models import Area, Ticket

from .. import services
from .serializers import TicketSerializer
from .views import IF_MATCH

STAFF = (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.OUTLET_DISPATCHER)
SUPERVISORS = (Role.SUPERVISOR,)


class OutletSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    areas = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    dispatchers = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    technician_count = serializers.IntegerField(read_only=True)
    # Blank when the outlet has none: a string, not the "email" format the model implies.
    contact_email = serializers.CharField(read_only=True)

    class Meta:
        model = Outlet
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_label",
            "company_name",
            "contract_number",
            "areas",
            "address",
            "contact_name",
            "contact_phone",
            "contact_email",
            "opening_hours",
            "stock_location",
            "dispatchers",
            "technician_count",
            "published",
            "active",
            "created_at",
        ]
        read_only_fields = fields


class OutletWriteSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=OutletKind.choices, default=OutletKind.OWN)
    company_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contract_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    opening_hours = serializers.CharField(max_length=200, required=False, allow_blank=True)
    stock_location = serializers.PrimaryKeyRelatedField(
        queryset=StockLocation.objects.filter(kind="outlet"), required=False, allow_null=True
    )
    published = serializers.BooleanField(required=False)
    active = serializers.BooleanField(required=False)


class OutletCreateSerializer(OutletWriteSerializer):
    code = serializers.CharField(max_length=32)
    areas = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Area.objects.all(), required=False
    )


class OutletUpdateSerializer(OutletWriteSerializer):
    name = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=OutletKind.choices, required=False)


class OutletAreasSerializer(StrictFieldsMixin, serializers.Serializer):
    areas = serializers.SlugRelatedField(slug_field="code", many=True, queryset=Area.objects.all())


class OutletUserSerializer(StrictFieldsMixin, serializers.Serializer):
    user = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.all()
    )


class OutletTechnicianSerializer(StrictFieldsMixin, serializers.Serializer):
    technician = serializers.SlugRelatedField(
        slug_field="employee_no", queryset=Technician.objects.all()
    )


def _outlet_action(input_serializer, service, name):
    return service_action(
        service,
        subject="outlet",
        name=name,
        input=input_serializer,
        respond=lambda view, _result: Response(
            OutletSerializer(view.get_queryset().get(pk=view.kwargs["pk"])).data
        ),
        output=OutletSerializer,
    )


@extend_schema_view(
    create=extend_schema(request=OutletCreateSerializer, responses={201: OutletSerializer}),
    partial_update=extend_schema(request=OutletUpdateSerializer, responses=OutletSerializer),
)
class OutletViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Service outlets (网点), own and partners'. Staff read (an outlet dispatcher their own
    outlets only); supervisors create, edit, set areas, dispatchers and technicians."""

    queryset = Outlet.objects.none()
    serializer_class = OutletSerializer
    read_roles = STAFF
    write_roles = SUPERVISORS
    search_fields = ["code", "name", "company_name"]
    ordering_fields = ["code", "name"]
    filterset_fields = ["kind", "active", "published"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return outlet_list(user=self.request.user).prefetch_related("areas", "dispatchers")

    def create(self, request):
        data = OutletCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outlet = outlet_services.outlet_create(actor=request.user, **data.validated_data)
        return Response(
            OutletSerializer(self.get_queryset().get(pk=outlet.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def partial_update(self, request, pk=None):
        outlet = self.get_object()
        data = OutletUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        outlet_services.outlet_update(outlet=outlet, actor=request.user, **data.validated_data)
        return Response(OutletSerializer(self.get_queryset().get(pk=outlet.pk)).data)

    set_areas = _outlet_action(OutletAreasSerializer, outlet_services.outlet_set_areas, "set-areas")
    add_dispatcher = _outlet_action(
        OutletUserSerializer, outlet_services.outlet_add_dispatcher, "add-dispatcher"
    )
    remove_dispatcher = _outlet_action(
        OutletUserSerializer, outlet_services.outlet_remove_dispatcher, "remove-dispatcher"
    )
    add_technician = _outlet_action(
        OutletTechnicianSerializer, outlet_services.outlet_add_technician, "add-technician"
    )
    remove_technician = _outlet_action(
        OutletTechnicianSerializer, outlet_services.outlet_remove_technician, "remove-technician"
    )


class PartnerScorecardSerializer(serializers.ModelSerializer):
    outlet_code = serializers.CharField(source="outlet.code", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    grade_label = serializers.CharField(source="get_grade_display", read_only=True)
    evaluator = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PartnerScorecard
        fields = [
            "id",
            "outlet",
            "outlet_code",
            "period_start",
            "period_end",
            "status",
            "status_label",
            "opened",
            "closed",
            "complaints",
            "first_time_fix_pct",
            "avg_satisfaction",
            "on_time_pct",
            "record_completeness_pct",
            "figures",
            "computed_at",
            "capability",
            "technical",
            "reputation",
            "assessment",
            "score",
            "grade",
            "grade_label",
            "evaluator",
            "finalised_at",
            "version",
        ]
        read_only_fields = fields


class ScorecardDraftSerializer(StrictFieldsMixin, serializers.Serializer):
    outlet = serializers.PrimaryKeyRelatedField(queryset=Outlet.objects.all())
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class ScorecardAssessSerializer(StrictFieldsMixin, serializers.Serializer):
    capability = serializers.IntegerField(min_value=1, max_value=5)
    technical = serializers.IntegerField(min_value=1, max_value=5)
    reputation = serializers.IntegerField(min_value=1, max_value=5)
    assessment = serializers.CharField(allow_blank=True)


def _scorecard_action(input_serializer, service, name):
    return service_action(
        service,
        subject="scorecard",
        name=name,
        input=input_serializer,
        extra=lambda request: {"expected_version": expected_version(request)},
        parameters=[IF_MATCH],
    )


@extend_schema_view(
    create=extend_schema(
        request=ScorecardDraftSerializer, responses={201: PartnerScorecardSerializer}
    )
)
class PartnerScorecardViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Partner evaluation (合作伙伴评估): an outlet's KPIs for a period, the evaluator's
    assessment and the grade; draft → final (then immutable)."""

    queryset = PartnerScorecard.objects.none()
    serializer_class = PartnerScorecardSerializer
    read_roles = (Role.SUPERVISOR, Role.AUDITOR)
    write_roles = SUPERVISORS
    filterset_fields = ["outlet", "status", "grade", "period_start"]
    ordering_fields = ["period_start"]

    def get_queryset(self):
        return scorecard_list()

    def create(self, request):
        data = ScorecardDraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        card = outlet_services.scorecard_draft(actor=request.user, **data.validated_data)
        return Response(PartnerScorecardSerializer(card).data, status=status.HTTP_201_CREATED)

    refresh = _scorecard_action(None, outlet_services.scorecard_refresh, "refresh")
    assess = _scorecard_action(
        ScorecardAssessSerializer, outlet_services.scorecard_assess, "assess"
    )
    finalise = _scorecard_action(None, outlet_services.scorecard_finalise, "finalise")


class TicketOutletDispatchSerializer(StrictFieldsMixin, serializers.Serializer):
    outlet = serializers.PrimaryKeyRelatedField(queryset=Outlet.objects.active())
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class TicketOutletViewSet(viewsets.GenericViewSet):
    """``POST /tickets/{id}/dispatch-to-outlet/`` (the ticket actions stay on one path)."""

    queryset = Ticket.objects.none()
    serializer_class = TicketSerializer
    action_roles = {"dispatch_to_outlet": SUPERVISORS}

    def get_queryset(self):
        return Ticket.objects.visible_to(self.request.user).with_related()

    def ticket_response(self, ticket):
        response = Response(self.get_serializer(ticket).data)
        response["ETag"] = etag(ticket.version)
        return response

    dispatch_to_outlet = service_action(
        services.ticket_dispatch_to_outlet,
        subject="ticket",
        name="dispatch-to-outlet",
        input=TicketOutletDispatchSerializer,
        output=TicketSerializer,
        respond=lambda view, ticket: view.ticket_response(ticket),
        extra=lambda request: {"expected_version": expected_version(request)},
        summary="Send a triaged ticket to a service outlet serving its area",
        parameters=[IF_MATCH],
    )
