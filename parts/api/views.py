"""REST adapter of the parts app: selectors in, services out, nothing else."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api.actions import service_action
from aftersales.api.pagination import CursorPagination
from aftersales.platform.api.idempotency import IdempotentCreateMixin
from aftersales.roles import Role
from tickets.models import Ticket
from tickets.selectors import product_list

from .. import services
from ..filtersets import (
    PartFilterSet,
    StockLevelFilterSet,
    StockLocationFilterSet,
    StockMovementFilterSet,
)
from ..models import Part, StockCount, StockLevel, StockLocation, StockMovement, TicketPart
from ..selectors import (
    location_list,
    movement_list,
    part_list,
    product_service_history,
    stock_level_list,
    ticket_parts_summary,
)
from . import serializers as s

READERS = (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.TECHNICIAN)
STOCK_MANAGERS = (Role.SUPERVISOR,)


class LevelPagination(CursorPagination):
    """Levels are listed in id order: the primary key (or the partial index of the
    low-stock rows) serves the page, never a COUNT(*) over millions of rows."""

    ordering = ("id",)


class PartViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The parts catalogue: every staff role reads, supervisors add."""

    queryset = Part.objects.none()
    serializer_class = s.PartSerializer
    filterset_class = PartFilterSet
    read_roles = READERS
    write_roles = STOCK_MANAGERS
    search_fields = ["sku", "name"]
    ordering_fields = ["sku", "name", "unit_price"]

    def get_queryset(self):
        return part_list()

    create_service = staticmethod(services.part_create)


class StockLocationViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Warehouses, service outlets and vans. Technicians see their van and the
    warehouses/outlets; supervisors add locations (vans come with their technician)."""

    queryset = StockLocation.objects.none()
    serializer_class = s.StockLocationSerializer
    filterset_class = StockLocationFilterSet
    read_roles = READERS
    write_roles = STOCK_MANAGERS
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return location_list(user=self.request.user)

    create_service = staticmethod(services.location_create)


class StockLevelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """On hand, reserved and available per part and location; ``below_reorder=true`` is
    the low-stock list. Read-only: stock changes through movements and tickets."""

    queryset = StockLevel.objects.none()
    serializer_class = s.StockLevelSerializer
    filterset_class = StockLevelFilterSet
    pagination_class = LevelPagination
    read_roles = READERS
    ordering_fields = []

    def get_queryset(self):
        return stock_level_list(user=self.request.user)


@extend_schema_view(
    create=extend_schema(
        request=s.StockMovementCreateSerializer,
        responses={201: s.StockMovementSerializer},
    )
)
class StockMovementViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The ledger, newest first (cursor-paginated). Supervisors post receipts, transfers,
    adjustments, scrap and recoveries; nothing is ever edited or deleted (405)."""

    queryset = StockMovement.objects.none()
    serializer_class = s.StockMovementSerializer
    filterset_class = StockMovementFilterSet
    pagination_class = CursorPagination
    read_roles = READERS
    write_roles = STOCK_MANAGERS
    ordering_fields = []

    def get_queryset(self):
        return movement_list(user=self.request.user)

    def create_response(self, request):
        data = s.StockMovementCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        movement = services.stock_movement_post(actor=request.user, **data.validated_data)
        return status.HTTP_201_CREATED, s.StockMovementSerializer(movement).data


class StockCountViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Count sessions (盘点): open one at a location, record counted quantities, approve
    (the variances are posted as adjustment movements)."""

    queryset = StockCount.objects.none()
    serializer_class = s.StockCountSerializer
    filterset_fields = ["location", "status"]
    read_roles = (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR)
    write_roles = STOCK_MANAGERS
    ordering_fields = []

    def get_queryset(self):
        return StockCount.objects.prefetch_related("lines__part")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.stock_count_open(
            location=data["location"], note=data.get("note", ""), actor=self.request.user
        )

    def count_response(self, count):
        """The count as listed (its lines prefetched again after the change)."""
        return Response(self.get_serializer(self.get_queryset().get(pk=count.pk)).data)

    lines = service_action(
        services.stock_count_record,
        subject="count",
        name="lines",
        input=s.StockCountLineInputSerializer,
        output=s.StockCountSerializer,
        respond=lambda view, line: view.count_response(line.count),
    )
    approve = service_action(
        services.stock_count_approve,
        subject="count",
        name="approve",
        output=s.StockCountSerializer,
        respond=lambda view, count: view.count_response(count),
    )


class TicketPartViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Parts used on jobs; the defective ones removed go to refurbish or scrap."""

    queryset = TicketPart.objects.none()
    serializer_class = s.TicketPartSerializer
    filterset_fields = ["ticket", "part", "recovery_status", "fitted_serial", "removed_serial"]
    read_roles = READERS
    action_roles = {"refurbish": STOCK_MANAGERS, "scrap": STOCK_MANAGERS}
    ordering_fields = []

    def get_queryset(self):
        tickets = Ticket.objects.visible_to(self.request.user)
        return TicketPart.objects.filter(ticket__in=tickets.values("pk")).select_related("part")

    refurbish = service_action(
        services.recovered_part_refurbish,
        subject="ticket_part",
        name="refurbish",
        input=s.RefurbishInputSerializer,
        output=s.StockMovementSerializer,
    )
    scrap = service_action(
        services.recovered_part_scrap,
        subject="ticket_part",
        name="scrap",
        input=s.ScrapInputSerializer,
        output=s.TicketPartSerializer,
    )


class TicketPartsSummaryView(APIView):
    """A ticket's parts and charges: lines used (charged or free, with prices), what is
    still reserved, the total to charge."""

    read_roles = READERS

    @extend_schema(responses=s.TicketPartsSummarySerializer)
    def get(self, request, pk):
        ticket = get_object_or_404(Ticket.objects.visible_to(request.user), pk=pk)
        return Response(s.TicketPartsSummarySerializer(ticket_parts_summary(ticket=ticket)).data)


class ProductServiceHistoryView(APIView):
    """A unit's service history: every ticket, oldest first, with the parts fitted and
    the defective parts removed, by serial."""

    read_roles = READERS

    @extend_schema(responses=s.ServiceHistoryTicketSerializer(many=True))
    def get(self, request, pk):
        product = get_object_or_404(product_list(user=request.user), pk=pk)
        tickets = product_service_history(product=product, user=request.user)
        return Response(s.ServiceHistoryTicketSerializer(tickets, many=True).data)
