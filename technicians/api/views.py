import datetime

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api.actions import service_action
from aftersales.api.files import FILE_RESPONSE, file_response
from aftersales.dates import local_day_bounds
from aftersales.platform.api.idempotency import IdempotentCreateMixin
from aftersales.roles import Role

from .. import services
from ..choices import MANAGER_ROLES
from ..filtersets import (
    AbsenceFilterSet,
    CertificationFilterSet,
    TechnicianFilterSet,
    TrainingRecordFilterSet,
)
from ..models import Absence, Certification, CertificationType, Technician, TrainingRecord
from ..selectors import (
    EMPTY_PERFORMANCE,
    absence_list,
    certification_list,
    technician_list,
    technician_performance,
    training_compliance,
    training_record_list,
)
from . import serializers as s

READERS = (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.TECHNICIAN)
MANAGERS = MANAGER_ROLES
PERIOD = [
    OpenApiParameter("from", datetime.date, description="First day (default: 89 days before 'to')"),
    OpenApiParameter("to", datetime.date, description="Last day, inclusive (default: today)"),
    OpenApiParameter("area", str, description="Area code for the area-familiarity count"),
]


def _performance_rows(technicians, query):
    start, end = local_day_bounds(query["date_from"], query["date_to"])
    area = query.get("area")
    stats = technician_performance(
        start=start,
        end=end,
        technician_ids=[t.pk for t in technicians],
        area_id=area.pk if area else None,
    )
    return [
        {
            "technician": t.pk,
            "employee_no": t.employee_no,
            "full_name": t.full_name,
            "period_start": query["date_from"],
            "period_end": query["date_to"],
            **stats.get(t.pk, EMPTY_PERFORMANCE),
        }
        for t in technicians
    ]


class TechnicianViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Technicians; a technician sees only themself. Supervisors add and edit."""

    queryset = Technician.objects.none()  # for the schema; requests use get_queryset()
    serializer_class = s.TechnicianSerializer
    filterset_class = TechnicianFilterSet
    read_roles = READERS
    write_roles = MANAGERS
    action_roles = {
        "performance_list": (Role.SUPERVISOR, Role.AUDITOR, Role.AGENT),
        "training_compliance": (Role.SUPERVISOR, Role.AUDITOR, Role.AGENT),
    }
    search_fields = ["full_name", "employee_no"]
    ordering_fields = ["employee_no", "full_name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return technician_list(user=self.request.user)

    def create_response(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        username = data.pop("user")["username"]
        technician = services.technician_create(actor=request.user, username=username, **data)
        return status.HTTP_201_CREATED, self.get_serializer(technician).data

    @extend_schema(request=s.TechnicianUpdateSerializer, responses=s.TechnicianSerializer)
    def partial_update(self, request, *args, **kwargs):
        technician = self.get_object()
        data = s.TechnicianUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        technician = services.technician_update(
            technician=technician, actor=request.user, **data.validated_data
        )
        return Response(s.TechnicianSerializer(technician).data)

    @extend_schema(parameters=PERIOD, responses=s.PerformanceSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def performance(self, request, pk=None):
        """Jobs done, dispatch-to-on-site time, first-time-fix rate, satisfaction and
        complaints over a period (jobs completed in it)."""
        technician = self.get_object()
        query = s.PeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(_performance_rows([technician], query.validated_data)[0])

    @extend_schema(parameters=PERIOD, responses=s.PerformanceSerializer(many=True))
    @action(
        detail=False,
        methods=["get"],
        url_path="performance",
        url_name="performance-list",
        filterset_class=None,
    )
    def performance_list(self, request):
        """The same figures for every technician (paginated, one query per page)."""
        query = s.PeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(_performance_rows(page, query.validated_data))

    @extend_schema(
        parameters=[
            OpenApiParameter("on", datetime.date, description="End of the training year"),
            OpenApiParameter("compliant", bool),
        ],
        responses=s.TrainingComplianceSerializer(many=True),
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="training-compliance",
        url_name="training-compliance",
        pagination_class=None,
        filterset_class=None,
    )
    def training_compliance(self, request):
        """Training hours over the 365 days ending ``on`` (today) against the thresholds."""
        query = s.TrainingComplianceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        technicians = list(self.get_queryset().filter(active=True).prefetch_related(None))
        hours = training_compliance(
            technician_ids=[t.pk for t in technicians], day=query.validated_data.get("on")
        )
        wanted = query.validated_data.get("compliant")
        return Response(
            [
                {
                    "technician": t.pk,
                    "employee_no": t.employee_no,
                    "full_name": t.full_name,
                    **hours[t.pk],
                }
                for t in technicians
                if wanted is None or hours[t.pk]["compliant"] == wanted
            ]
        )


class CertificationTypeViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Kinds of certificate and the product categories they qualify for."""

    queryset = CertificationType.objects.prefetch_related("categories")
    serializer_class = s.CertificationTypeSerializer
    write_roles = MANAGERS
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = services.certification_type_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "code" in data and data.pop("code") != serializer.instance.code:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"code": [_("The code of a certification type is fixed.")]})
        serializer.instance = services.certification_type_update(
            cert_type=serializer.instance, actor=self.request.user, **data
        )


class CertificationViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Certificates. The dates are fixed: a renewal is a new certificate."""

    queryset = Certification.objects.none()
    serializer_class = s.CertificationSerializer
    filterset_class = CertificationFilterSet
    read_roles = READERS
    write_roles = MANAGERS
    search_fields = ["number", "technician__full_name", "technician__employee_no"]
    ordering_fields = ["expires_on", "issued_on", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return certification_list(user=self.request.user)

    create_service = staticmethod(services.certification_create)

    @extend_schema(request=s.CertificationUpdateSerializer, responses=s.CertificationSerializer)
    def partial_update(self, request, *args, **kwargs):
        certification = self.get_object()
        data = s.CertificationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        certification = services.certification_update(
            certification=certification, actor=request.user, **data.validated_data
        )
        return Response(self.get_serializer(certification).data)

    @extend_schema(responses=FILE_RESPONSE)
    @action(detail=True, methods=["get"], filterset_class=None)
    def document(self, request, pk=None):
        """The scanned certificate, for whoever may see the certificate."""
        return file_response(self.get_object().document)

    revoke = service_action(
        services.certification_revoke,
        subject="certification",
        name="revoke",
        input=s.CertificationRevokeSerializer,
    )


class TrainingRecordViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Completed courses (theory and practical hours, assessment score)."""

    queryset = TrainingRecord.objects.none()
    serializer_class = s.TrainingRecordSerializer
    filterset_class = TrainingRecordFilterSet
    read_roles = READERS
    write_roles = MANAGERS
    ordering_fields = ["completed_on", "id"]

    def get_queryset(self):
        return training_record_list(user=self.request.user)

    create_service = staticmethod(services.training_record_create)


class AbsenceViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Leave and sick days. Creating one answers which booked jobs it affects."""

    queryset = Absence.objects.none()
    serializer_class = s.AbsenceSerializer
    filterset_class = AbsenceFilterSet
    read_roles = READERS
    write_roles = MANAGERS
    ordering_fields = ["starts_on", "id"]

    def get_queryset(self):
        return absence_list(user=self.request.user)

    def perform_create(self, serializer):
        absence, affected = services.absence_create(
            actor=self.request.user, **serializer.validated_data
        )
        absence.affected_tickets = affected
        serializer.instance = absence

    def perform_destroy(self, instance):
        services.absence_cancel(absence=instance, actor=self.request.user)
