import csv
import io

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api.actions import service_action
from aftersales.api.files import FILE_RESPONSE, file_response
from aftersales.api.renderers import CsvTextRenderer
from aftersales.roles import Role
from audits.api.views import AUDIT_READERS
from audits.models import AuditSample, CorrectiveAction, Finding, KpiReport, QualityAudit

from .. import services
from ..filtersets import (
    AuditSampleFilterSet,
    CorrectiveActionFilterSet,
    FindingFilterSet,
    QualityAuditFilterSet,
)
from ..selectors import (
    KPI_COLUMNS,
    audit_sample_list,
    corrective_action_list,
    finding_list,
    kpi_report,
    quality_audit_list,
)
from . import serializers as s


class QualityAuditViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Sampling checks: auditors and supervisors create (the sample is drawn at once) and
    close them."""

    queryset = QualityAudit.objects.none()
    serializer_class = s.QualityAuditSerializer
    filterset_class = QualityAuditFilterSet
    read_roles = AUDIT_READERS
    write_roles = AUDIT_READERS
    action_roles = {"close": AUDIT_READERS}

    def get_queryset(self):
        return quality_audit_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.quality_audit_create(
            actor=self.request.user, **serializer.validated_data
        )

    close = service_action(services.quality_audit_close, subject="audit", name="close")


class AuditSampleViewSet(viewsets.ReadOnlyModelViewSet):
    """The sampled tickets with their checklists; auditors confirm them."""

    queryset = AuditSample.objects.none()
    serializer_class = s.AuditSampleSerializer
    filterset_class = AuditSampleFilterSet
    read_roles = AUDIT_READERS
    action_roles = {"confirm": AUDIT_READERS}

    def get_queryset(self):
        return audit_sample_list(user=self.request.user)

    confirm = service_action(
        services.audit_sample_confirm,
        subject="sample",
        name="confirm",
        input=s.AuditSampleConfirmInputSerializer,
    )


class FindingViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Nonconformities: opened by auditors and supervisors."""

    queryset = Finding.objects.none()
    serializer_class = s.FindingSerializer
    filterset_class = FindingFilterSet
    read_roles = AUDIT_READERS
    write_roles = AUDIT_READERS

    def get_queryset(self):
        return finding_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.finding_open(
            actor=self.request.user, **serializer.validated_data
        )


class CorrectiveActionViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Corrective actions: assigned by auditors and supervisors, evidence from the owner,
    verification by someone else. Owners outside those roles (agents) see their own."""

    queryset = CorrectiveAction.objects.none()
    serializer_class = s.CorrectiveActionSerializer
    filterset_class = CorrectiveActionFilterSet
    read_roles = (*AUDIT_READERS, Role.AGENT)
    write_roles = AUDIT_READERS
    action_roles = {
        "evidence": (*AUDIT_READERS, Role.AGENT),
        "verify": AUDIT_READERS,
    }

    def get_queryset(self):
        return corrective_action_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.corrective_action_create(
            actor=self.request.user, **serializer.validated_data
        )

    evidence = service_action(
        services.corrective_action_submit,
        subject="action",
        name="evidence",
        input=s.CorrectiveActionEvidenceInputSerializer,
    )

    @extend_schema(responses=FILE_RESPONSE)
    @action(detail=True, methods=["get"], url_path="evidence-file", filterset_class=None)
    def evidence_file(self, request, pk=None):
        """The uploaded evidence, for whoever may see the corrective action."""
        return file_response(self.get_object().evidence)

    verify = service_action(
        services.corrective_action_verify,
        subject="action",
        name="verify",
        input=s.CorrectiveActionVerifyInputSerializer,
    )


class CsvRenderer(CsvTextRenderer):
    """``?format=csv`` on the KPI report: one line per group, then the totals."""

    def render_file(self, data):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(KPI_COLUMNS)
        for row in [*data["rows"], data["totals"]]:
            writer.writerow(["" if row[c] is None else row[c] for c in KPI_COLUMNS])
        return out.getvalue()


class KpiReportView(APIView):
    """KPIs for a period grouped by technician, area, category or outlet (``?format=csv`` too)."""

    read_roles = AUDIT_READERS
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CsvRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter("to", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter("group_by", str, enum=["technician", "area", "category", "outlet"]),
        ],
        responses=s.KpiReportSerializer,
    )
    def get(self, request):
        query = s.KpiQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = kpi_report(
            start=query.validated_data["from"],
            end=query.validated_data["to"],
            group_by=query.validated_data["group_by"],
        )
        response = Response(report, status=status.HTTP_200_OK)
        if (
            getattr(request, "accepted_renderer", None)
            and request.accepted_renderer.format == "csv"
        ):
            name = f"kpis-{report['group_by']}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class StoredKpiReportViewSet(viewsets.ReadOnlyModelViewSet):
    """The kept reports (weekly, generated by beat on Mondays)."""

    queryset = KpiReport.objects.all()
    serializer_class = s.StoredKpiReportSerializer
    read_roles = AUDIT_READERS
    filterset_fields = ["group_by", "weekly"]
