"""The REST serializers of service targets: sets with their lines and break-downs, the
inputs of the actions, the live progress and the frozen results."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from aftersales.api.fields import DateField
from aftersales.api.serializers import StrictFieldsMixin
from technicians.outlets.models import Outlet
from tickets.models import Area

from ..choices import Comparator, Outcome, PeriodKind, Scope
from ..metrics import METRIC_CHOICES
from ..models import TargetBreakdown, TargetLine, TargetResult, TargetSet

VALUE = {"max_digits": 6, "decimal_places": 2, "min_value": 0}


class TargetBreakdownSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    area = serializers.PrimaryKeyRelatedField(
        queryset=Area.objects.all(), allow_null=True, required=False
    )
    outlet = serializers.PrimaryKeyRelatedField(
        queryset=Outlet.objects.all(), allow_null=True, required=False
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), allow_null=True, required=False
    )
    value = serializers.DecimalField(**VALUE)

    class Meta:
        model = TargetBreakdown
        fields = ["area", "outlet", "value", "owner"]


class TargetLineSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    metric = serializers.ChoiceField(choices=METRIC_CHOICES)
    comparator = serializers.ChoiceField(choices=Comparator.choices, required=False)
    value = serializers.DecimalField(**VALUE)
    breakdowns = TargetBreakdownSerializer(many=True, required=False)

    class Meta:
        model = TargetLine
        fields = ["id", "metric", "comparator", "value", "breakdowns"]
        read_only_fields = ["id"]


class TargetSetSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A target set; POST drafts one (period kind, a day of the period, lines)."""

    period_kind = serializers.ChoiceField(choices=PeriodKind.choices)
    period_start = DateField(help_text="Any day of the period; stored as its first day.")
    lines = TargetLineSerializer(many=True, required=False)
    revises = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    created_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    decided_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    evaluation_audit = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = TargetSet
        fields = [
            "id",
            "period_kind",
            "period_start",
            "period_end",
            "revision",
            "revises",
            "status",
            "note",
            "return_reason",
            "created_by",
            "created_at",
            "submitted_at",
            "decided_by",
            "decided_at",
            "evaluated_at",
            "evaluation_audit",
            "version",
            "lines",
        ]
        read_only_fields = [
            "id",
            "period_end",
            "revision",
            "status",
            "return_reason",
            "created_at",
            "submitted_at",
            "decided_at",
            "evaluated_at",
            "version",
        ]


class TargetSetLinesInputSerializer(StrictFieldsMixin, serializers.Serializer):
    lines = TargetLineSerializer(many=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class TargetSetReturnInputSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ProgressRowSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=Scope.choices)
    area = serializers.IntegerField(allow_null=True, source="area.pk", default=None)
    outlet = serializers.IntegerField(allow_null=True, source="outlet.pk", default=None)
    target = serializers.DecimalField(max_digits=6, decimal_places=2)
    actual = serializers.FloatField(allow_null=True)
    sample = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    bar = serializers.IntegerField(help_text="How full the progress bar is, 0–100.")


class ProgressLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(source="line.pk")
    metric = serializers.CharField(source="line.metric")
    comparator = serializers.CharField(source="line.comparator")
    unit = serializers.CharField(source="metric.unit")
    rows = ProgressRowSerializer(many=True)


class TargetProgressSerializer(serializers.Serializer):
    target_set = serializers.IntegerField(source="target_set.pk")
    ended = serializers.BooleanField()
    today = serializers.DateField()
    lines = ProgressLineSerializer(many=True)


class TargetResultSerializer(serializers.ModelSerializer):
    metric = serializers.CharField(source="line.metric")
    area = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    outlet = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    finding = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = TargetResult
        fields = [
            "id",
            "line",
            "metric",
            "scope",
            "area",
            "outlet",
            "target",
            "actual",
            "sample",
            "outcome",
            "finding",
            "evaluated_at",
        ]
