"""The REST adapter of the instrument ledger: instruments (with issue, return, status and
calibrate actions), kinds, calibration records (and their certificates) and the tool
requirements per product category. Supervisors write; auditors and managers read; a
technician reads the instruments they hold and their calibrations."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api.actions import service_action
from aftersales.api.files import FILE_RESPONSE, file_response
from aftersales.platform.api.idempotency import IdempotentCreateMixin
from aftersales.roles import Role

from .. import services
from ..choices import LEDGER_EDITORS, LEDGER_READERS
from ..filtersets import CalibrationRecordFilterSet, InstrumentFilterSet
from ..models import CalibrationRecord, Instrument, InstrumentKind, ToolRequirement
from ..selectors import calibrations_visible_to, instruments_visible_to
from . import serializers as s

READERS = (*LEDGER_READERS, Role.TECHNICIAN)
REFERENCE_READERS = (*LEDGER_READERS, Role.TECHNICIAN, Role.AGENT)


class InstrumentViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The instrument ledger (``?status``, ``?holder``, ``?kind``, ``?due_within`` days)."""

    queryset = Instrument.objects.none()
    serializer_class = s.InstrumentSerializer
    filterset_class = InstrumentFilterSet
    read_roles = READERS
    write_roles = LEDGER_EDITORS
    ordering_fields = ["number", "calibration_due_on"]
    search_fields = ["number", "model", "serial"]

    def get_queryset(self):
        return instruments_visible_to(self.request.user)

    create_service = staticmethod(services.instrument_create)

    issue = service_action(
        services.instrument_issue,
        subject="instrument",
        name="issue",
        input=s.InstrumentIssueInputSerializer,
    )
    return_ = service_action(
        services.instrument_return,
        subject="instrument",
        name="return",
        method_name="return_",
        input=s.InstrumentReturnInputSerializer,
    )
    set_status = service_action(
        services.instrument_status_set,
        subject="instrument",
        name="status",
        method_name="set_status",
        input=s.InstrumentStatusInputSerializer,
    )
    calibrate = service_action(
        services.calibration_record,
        subject="instrument",
        name="calibrate",
        input=s.CalibrationRecordInputSerializer,
        output=s.CalibrationRecordSerializer,
        respond=lambda view, record: Response(
            s.CalibrationRecordSerializer(record, context=view.get_serializer_context()).data
        ),
    )


class InstrumentKindViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The kinds of instrument (a reference table)."""

    queryset = InstrumentKind.objects.order_by("code")
    serializer_class = s.InstrumentKindSerializer
    read_roles = REFERENCE_READERS
    write_roles = LEDGER_EDITORS

    create_service = staticmethod(services.instrument_kind_create)


class CalibrationRecordViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Calibration records (``?instrument``, ``?result``); recorded through
    ``POST /instruments/{id}/calibrate/``."""

    queryset = CalibrationRecord.objects.none()
    serializer_class = s.CalibrationRecordSerializer
    filterset_class = CalibrationRecordFilterSet
    read_roles = READERS
    action_roles = {"certificate": LEDGER_READERS}

    def get_queryset(self):
        return calibrations_visible_to(self.request.user)

    @extend_schema(responses=FILE_RESPONSE)
    @action(detail=True, methods=["get"], url_path="certificate")
    def certificate(self, request, pk=None):
        """The calibration certificate (PDF or image), for ledger readers only."""
        return file_response(self.get_object().certificate)


class ToolRequirementViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The instrument kinds each product category requires at a check-in (``?category``)."""

    queryset = ToolRequirement.objects.select_related("category", "kind").order_by(
        "category__code", "kind__code"
    )
    serializer_class = s.ToolRequirementSerializer
    read_roles = REFERENCE_READERS
    write_roles = LEDGER_EDITORS
    filterset_fields = ["category", "kind"]

    create_service = staticmethod(services.tool_requirement_add)

    def perform_destroy(self, instance):
        services.tool_requirement_remove(requirement=instance, actor=self.request.user)
