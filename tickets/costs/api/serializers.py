"""The costs app's REST serializers: reports, claims, budgets, rates."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from aftersales.api.fields import DateField, DateTimeField
from aftersales.api.files import ProtectedFileField
from aftersales.api.serializers import StrictFieldsMixin
from aftersales.uploads import TICKET_ATTACHMENT
from tickets.models import Area, Ticket

from ..choices import CostGrouping, CostKind, ExpenseKind
from ..models import Budget, CostRate, ExpenseApproval, ExpenseClaim

MONEY = {"max_digits": 12, "decimal_places": 2}


class CostQuerySerializer(serializers.Serializer):
    # "from" is a Python keyword: declared below under its wire name.
    to = DateTimeField()
    group_by = serializers.ChoiceField(choices=CostGrouping.choices, default=CostGrouping.CATEGORY)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = DateTimeField()
        return fields

    def validate(self, attrs):
        if attrs["to"] <= attrs["from"]:
            raise serializers.ValidationError({"to": [_("The period must end after it starts.")]})
        if (attrs["to"] - attrs["from"]).days > 731:
            raise serializers.ValidationError({"to": [_("A period covers at most two years.")]})
        return attrs


class CostFiguresSerializer(serializers.Serializer):
    tickets = serializers.IntegerField()
    labour = serializers.DecimalField(**MONEY)
    parts = serializers.DecimalField(**MONEY)
    travel = serializers.DecimalField(**MONEY)
    outsourcing = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    per_ticket = serializers.DecimalField(**MONEY, allow_null=True)


class CostRowSerializer(CostFiguresSerializer):
    key = serializers.JSONField(allow_null=True)
    label = serializers.CharField(allow_blank=True)


class CostReportSerializer(serializers.Serializer):
    group_by = serializers.ChoiceField(choices=CostGrouping.choices)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    rows = CostRowSerializer(many=True)
    totals = CostFiguresSerializer()


class TicketCostSerializer(serializers.Serializer):
    ticket = serializers.IntegerField()
    number = serializers.CharField()
    labour = serializers.DecimalField(**MONEY)
    parts = serializers.DecimalField(**MONEY)
    travel = serializers.DecimalField(**MONEY)
    outsourcing = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)


class BudgetQuerySerializer(serializers.Serializer):
    first = DateField()
    last = DateField()

    def validate(self, attrs):
        if attrs["last"] < attrs["first"]:
            raise serializers.ValidationError(
                {"last": [_("The last day must not be before the first.")]}
            )
        if (attrs["last"] - attrs["first"]).days > 731:
            raise serializers.ValidationError({"last": [_("A period covers at most two years.")]})
        return attrs


class VarianceSerializer(serializers.Serializer):
    area = serializers.IntegerField(allow_null=True)
    area_label = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=CostKind.choices)
    kind_label = serializers.CharField()
    budget = serializers.DecimalField(**MONEY, allow_null=True)
    actual = serializers.DecimalField(**MONEY)
    variance = serializers.DecimalField(**MONEY, allow_null=True)
    used_pct = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    over = serializers.BooleanField()


class BudgetVsActualSerializer(serializers.Serializer):
    first = serializers.DateField()
    last = serializers.DateField()
    months = serializers.ListField(child=serializers.DateField())
    rows = VarianceSerializer(many=True)
    totals = serializers.DictField(child=VarianceSerializer())


class ExpenseApprovalSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExpenseApproval
        fields = ["step", "role", "decision", "actor", "comment", "decided_at"]
        read_only_fields = fields


class ExpenseClaimSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A claim as read; filed as multipart with its ``receipt`` photo (JPEG, PNG, WebP or
    PDF). The chain (``steps``), the status and the number are the service's."""

    receipt = ProtectedFileField(view_name="expense-claim-receipt", kind=TICKET_ATTACHMENT)
    ticket = serializers.PrimaryKeyRelatedField(
        queryset=Ticket.objects.all(), required=False, allow_null=True
    )
    approvals = ExpenseApprovalSerializer(many=True, read_only=True)
    kind = serializers.ChoiceField(choices=ExpenseKind.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    spent_on = DateField()

    class Meta:
        model = ExpenseClaim
        fields = [
            "id",
            "number",
            "technician",
            "claimant",
            "kind",
            "amount",
            "spent_on",
            "ticket",
            "note",
            "receipt",
            "status",
            "steps",
            "current_step",
            "waiting_role",
            "version",
            "created_at",
            "decided_at",
            "approvals",
        ]
        read_only_fields = [
            "number",
            "technician",
            "claimant",
            "status",
            "steps",
            "current_step",
            "waiting_role",
            "version",
            "created_at",
            "decided_at",
        ]


class ExpenseClaimDecisionInputSerializer(StrictFieldsMixin, serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)
    version = serializers.IntegerField(required=False, min_value=1)


class ExpenseClaimRejectInputSerializer(ExpenseClaimDecisionInputSerializer):
    comment = serializers.CharField(max_length=500)


class BudgetSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """Writing a (month, area, kind) that has a budget changes its amount."""

    area = serializers.SlugRelatedField(
        slug_field="code", queryset=Area.objects.all(), required=False, allow_null=True
    )
    month = DateField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)

    class Meta:
        model = Budget
        fields = ["id", "month", "area", "kind", "amount", "note", "updated_by", "updated_at"]
        read_only_fields = ["updated_by", "updated_at"]
        # The service upserts: the (month, area, kind) uniqueness is not a 400 here.
        validators = []


class CostRateSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    effective_from = DateField()
    labour_hourly_rate = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    travel_km_rate = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)

    class Meta:
        model = CostRate
        fields = [
            "id",
            "effective_from",
            "labour_hourly_rate",
            "travel_km_rate",
            "note",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["created_by", "created_at"]
        extra_kwargs = {"effective_from": {"validators": []}}
