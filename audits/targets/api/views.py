"""The REST adapter of service targets: sets (draft with lines, change the lines, submit,
approve, return, revise, evaluate), their live progress and their frozen results. Every
write calls ``audits.targets.services``."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api.actions import service_action
from aftersales.platform.api.idempotency import IdempotentCreateMixin
from aftersales.roles import Role

from .. import services
from ..models import TargetLine
from ..selectors import READERS, target_progress, target_results, target_set_list
from . import serializers as s

SUPERVISORS = (Role.SUPERVISOR,)
MANAGERS = (Role.MANAGER,)


def _lines(validated):
    return [
        {
            **line,
            "breakdowns": [dict(part) for part in line.get("breakdowns", ())],
        }
        for line in validated
    ]


class TargetSetViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Service target sets (承诺和目标): supervisors draft and submit, the general manager
    approves or returns, auditors read. An approved set is read-only; ``revise`` starts
    its next revision."""

    serializer_class = s.TargetSetSerializer
    read_roles = READERS
    write_roles = SUPERVISORS
    action_roles = {
        "lines": SUPERVISORS,
        "submit": SUPERVISORS,
        "approve": MANAGERS,
        "return_set": MANAGERS,
        "revise": SUPERVISORS,
        "evaluate": SUPERVISORS,
    }
    filterset_fields = ["status", "period_kind", "period_start"]
    ordering_fields = ["period_start", "created_at"]

    def get_queryset(self):
        return (
            target_set_list()
            .prefetch_related("lines__breakdowns")
            .order_by("-period_start", "period_kind", "-revision")
        )

    def create_response(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = services.target_set_create(
            actor=request.user,
            period_kind=data["period_kind"],
            period_start=data["period_start"],
            note=data.get("note", ""),
            lines=_lines(data.get("lines", ())),
        )
        return 201, self.get_serializer(self.get_queryset().get(pk=created.pk)).data

    def _answer(self, target_set):
        return Response(self.get_serializer(self.get_queryset().get(pk=target_set.pk)).data)

    @extend_schema(request=s.TargetSetLinesInputSerializer, responses=s.TargetSetSerializer)
    @action(detail=True, methods=["post"], url_path="lines")
    def lines(self, request, pk=None):
        """Replace the lines (and break-downs) of a draft or returned set; 409
        ``target_set_read_only`` once submitted or approved."""
        target_set = self.get_object()
        data = s.TargetSetLinesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = services.target_set_lines_save(
            target_set=target_set,
            actor=request.user,
            lines=_lines(data.validated_data["lines"]),
            note=data.validated_data.get("note"),
        )
        return self._answer(saved)

    submit = service_action(services.target_set_submit, subject="target_set", name="submit")
    approve = service_action(services.target_set_approve, subject="target_set", name="approve")
    return_set = service_action(
        services.target_set_return,
        subject="target_set",
        name="return",
        method_name="return_set",
        input=s.TargetSetReturnInputSerializer,
    )
    revise = service_action(services.target_set_revise, subject="target_set", name="revise")
    evaluate = service_action(services.target_set_evaluate, subject="target_set", name="evaluate")

    @extend_schema(responses=s.TargetProgressSerializer)
    @action(detail=True, methods=["get"], url_path="progress")
    def progress(self, request, pk=None):
        """Each target overall and per area and outlet, live from the KPI report."""
        target_set = self.get_object()
        return Response(s.TargetProgressSerializer(target_progress(target_set=target_set)).data)

    @extend_schema(responses=s.TargetResultSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="results", pagination_class=None)
    def results(self, request, pk=None):
        """The period-end evaluation, frozen (empty before it ran)."""
        target_set = self.get_object()
        rows = target_results(target_set=target_set)
        return Response(s.TargetResultSerializer(rows, many=True).data)


class TargetLineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The lines of every set, read-only (they are written through their set)."""

    serializer_class = s.TargetLineSerializer
    read_roles = READERS
    filterset_fields = ["target_set", "metric"]

    def get_queryset(self):
        return TargetLine.objects.prefetch_related("breakdowns").order_by("target_set_id", "pk")
