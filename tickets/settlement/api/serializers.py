from django import forms
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftersales.api.serializers import StrictFieldsMixin
from technicians.outlets.models import Outlet

from ..filtersets import MonthFormField
from ..models import Statement, StatementLine


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}(-\d{2})?$", "example": "2026-10"})
class MonthField(serializers.Field):
    """A month as ``YYYY-MM`` in and out (a date of the month is accepted too)."""

    default_error_messages = {"invalid": "Enter a month as YYYY-MM."}

    def to_internal_value(self, data):
        try:
            value = MonthFormField().to_python(str(data))
        except forms.ValidationError:
            self.fail("invalid")
        if value is None:
            self.fail("invalid")
        return value

    def to_representation(self, value):
        return f"{value:%Y-%m}"


class OutletRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Outlet
        fields = ["id", "code", "name", "kind"]
        read_only_fields = fields


class StatementSerializer(serializers.ModelSerializer):
    outlet = OutletRefSerializer(read_only=True)
    month = MonthField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Statement
        fields = [
            "id",
            "number",
            "outlet",
            "month",
            "status",
            "status_label",
            "version",
            "currency",
            "job_count",
            "labour_total",
            "callout_total",
            "parts_quantity",
            "parts_value",
            "parts_reimbursed",
            "total",
            "built_at",
            "built_by",
            "submitted_at",
            "submitted_by",
            "reviewed_at",
            "reviewed_by",
            "review_comment",
            "created_at",
        ]
        read_only_fields = fields


class StatementPartSerializer(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=2)
    source = serializers.ChoiceField(choices=["outlet", "company"])
    charged = serializers.BooleanField()
    reimbursed = serializers.DecimalField(max_digits=12, decimal_places=2)


class StatementLineSerializer(serializers.ModelSerializer):
    parts = StatementPartSerializer(many=True, read_only=True)

    class Meta:
        model = StatementLine
        fields = [
            "id",
            "ticket",
            "ticket_number",
            "closed_at",
            "completed_on",
            "service_type",
            "product_category",
            "technician",
            "price_list",
            "travel_km",
            "zone",
            "labour_fee",
            "callout_fee",
            "parts_quantity",
            "parts_value",
            "parts_reimbursed",
            "amount",
            "parts",
        ]
        read_only_fields = fields


class StatementBuildInputSerializer(StrictFieldsMixin, serializers.Serializer):
    outlet = serializers.SlugRelatedField(slug_field="code", queryset=Outlet.objects.all())
    month = MonthField()


class StatementApproveInputSerializer(StrictFieldsMixin, serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class StatementReturnInputSerializer(StrictFieldsMixin, serializers.Serializer):
    comment = serializers.CharField(max_length=2000)
