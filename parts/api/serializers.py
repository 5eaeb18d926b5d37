"""REST adapter of the parts app: input validation and output shapes, no rules."""

from django.db.models.functions import Lower
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework import serializers

from aftersales.api.serializers import StrictFieldsMixin
from tickets.models import Area, ProductCategory, ProductModel, Ticket

from ..choices import MANUAL_KINDS, LocationKind, RecoveryStatus
from ..models import (
    SKU_MAX_LENGTH,
    Part,
    StockCount,
    StockCountLine,
    StockLevel,
    StockLocation,
    StockMovement,
    StockReservation,
    TicketPart,
    validate_part_number,
)

MAX_QUANTITY = 100_000


class PartSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    sku = serializers.CharField(
        max_length=SKU_MAX_LENGTH,
        help_text=(
            "The manufacturer's own part number in any format (P443450, AC-00123), trimmed; "
            "unique ignoring case. A deployment may require a pattern (PART_NUMBER_PATTERN)."
        ),
    )
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=ProductCategory.objects.all()
    )
    compatible_models = serializers.SlugRelatedField(
        slug_field="code", queryset=ProductModel.objects.all(), many=True, required=False
    )
    unit_cost = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    unit_price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    reorder_point = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, default=0)
    reorder_quantity = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, default=0)

    class Meta:
        model = Part
        fields = [
            "id",
            "sku",
            "name",
            "category",
            "compatible_models",
            "unit_cost",
            "unit_price",
            "approved",
            "warranty_covered",
            "reorder_point",
            "reorder_quantity",
            "active",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def validate_sku(self, value):
        # Checked again by the service; here so the 400 names every bad field at once.
        validate_part_number(value)
        same = Part.objects.alias(sku_lower=Lower("sku")).filter(sku_lower=value.lower())
        if self.instance is not None:
            same = same.exclude(pk=self.instance.pk)
        if same.exists():
            raise serializers.ValidationError(_("A part with this number already exists."))
        return value


class StockLocationSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=LocationKind.choices)
    area = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Area.objects.all(),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = StockLocation
        fields = ["id", "code", "name", "kind", "technician", "area", "active", "created_at"]
        read_only_fields = ["active", "created_at"]
        extra_kwargs = {"code": {"validators": []}, "technician": {"validators": []}}


class StockLevelSerializer(serializers.ModelSerializer):
    part_sku = serializers.CharField(source="part.sku", read_only=True)
    part_name = serializers.CharField(source="part.name", read_only=True)
    location_code = serializers.CharField(source="location.code", read_only=True)
    location_kind = serializers.CharField(source="location.kind", read_only=True)
    available = serializers.IntegerField(read_only=True)
    reorder_point = serializers.IntegerField(source="part.reorder_point", read_only=True)
    reorder_quantity = serializers.IntegerField(source="part.reorder_quantity", read_only=True)

    class Meta:
        model = StockLevel
        fields = [
            "id",
            "part",
            "part_sku",
            "part_name",
            "location",
            "location_code",
            "location_kind",
            "on_hand",
            "reserved",
            "available",
            "below_reorder",
            "reorder_point",
            "reorder_quantity",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, level):
        """The same dict as the declared fields, without DRF's per-field machinery (a
        200-row page of levels is otherwise mostly serializer overhead);
        ``test_stock_level_fast_path_equals_drf_fields`` keeps both equal."""
        part, location = level.part, level.location
        return {
            "id": level.id,
            "part": level.part_id,
            "part_sku": part.sku,
            "part_name": part.name,
            "location": level.location_id,
            "location_code": location.code,
            "location_kind": location.kind,
            "on_hand": level.on_hand,
            "reserved": level.reserved,
            "available": level.on_hand - level.reserved,
            "below_reorder": level.below_reorder,
            "reorder_point": part.reorder_point,
            "reorder_quantity": part.reorder_quantity,
            "updated_at": self._updated_at.to_representation(level.updated_at),
        }

    @cached_property
    def _updated_at(self):
        return serializers.DateTimeField()


class StockMovementSerializer(serializers.ModelSerializer):
    part_sku = serializers.CharField(source="part.sku", read_only=True)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "kind",
            "part",
            "part_sku",
            "quantity",
            "from_location",
            "to_location",
            "ticket",
            "user",
            "reason",
            "created_at",
        ]
        read_only_fields = fields


class StockMovementCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[(k.value, k.label) for k in MANUAL_KINDS],
        help_text="Issues and returns happen through ticket actions.",
    )
    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    from_location = serializers.PrimaryKeyRelatedField(
        queryset=StockLocation.objects.all(), required=False, allow_null=True
    )
    to_location = serializers.PrimaryKeyRelatedField(
        queryset=StockLocation.objects.all(), required=False, allow_null=True
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PartReserveLineSerializer(StrictFieldsMixin, serializers.Serializer):
    """A line of ``dispatch``'s ``parts``: reserve units for the job."""

    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    location = serializers.PrimaryKeyRelatedField(
        queryset=StockLocation.objects.all(),
        required=False,
        allow_null=True,
        help_text="Default: the technician's van.",
    )


class PartUsedLineSerializer(PartReserveLineSerializer):
    """A line of ``complete``'s ``parts_used``: issued from stock and charged or free."""

    charged = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Omit to apply the rule (out of warranty or a non-covered part: charged). "
        "true charges a covered part (e.g. user damage); a charge cannot be waived.",
    )
    fitted_serial = serializers.CharField(max_length=64, required=False, allow_blank=True)
    removed_serial = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="Serial of the defective part taken out; it goes to refurbish or scrap.",
    )


class TicketPartSerializer(serializers.ModelSerializer):
    part_sku = serializers.CharField(source="part.sku", read_only=True)
    part_name = serializers.CharField(source="part.name", read_only=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    recovery_status = serializers.ChoiceField(choices=RecoveryStatus.choices, read_only=True)

    class Meta:
        model = TicketPart
        fields = [
            "id",
            "ticket",
            "part",
            "part_sku",
            "part_name",
            "location",
            "quantity",
            "charged",
            "unit_price",
            "amount",
            "fitted_serial",
            "removed_serial",
            "recovery_status",
            "movement",
            "created_at",
        ]
        read_only_fields = fields


class StockReservationSerializer(serializers.ModelSerializer):
    part_sku = serializers.CharField(source="part.sku", read_only=True)

    class Meta:
        model = StockReservation
        fields = ["id", "part", "part_sku", "location", "quantity", "status", "created_at"]
        read_only_fields = fields


class TicketPartsSummarySerializer(serializers.Serializer):
    ticket = serializers.IntegerField()
    lines = TicketPartSerializer(many=True)
    reserved = StockReservationSerializer(many=True)
    charged_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    free_lines = serializers.IntegerField()
    charged_lines = serializers.IntegerField()


class ServiceHistoryPartSerializer(serializers.ModelSerializer):
    part_sku = serializers.CharField(source="part.sku", read_only=True)

    class Meta:
        model = TicketPart
        fields = [
            "part",
            "part_sku",
            "quantity",
            "charged",
            "fitted_serial",
            "removed_serial",
            "recovery_status",
        ]
        read_only_fields = fields


class ServiceHistoryTicketSerializer(serializers.ModelSerializer):
    technician_name = serializers.CharField(
        source="technician.full_name", read_only=True, default=None
    )
    parts = ServiceHistoryPartSerializer(many=True, read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "status",
            "category",
            "created_at",
            "completed_at",
            "fault_code",
            "work_done",
            "technician_name",
            "parts",
        ]
        read_only_fields = fields


class RefurbishInputSerializer(StrictFieldsMixin, serializers.Serializer):
    location = serializers.PrimaryKeyRelatedField(queryset=StockLocation.objects.all())


class ScrapInputSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class StockCountLineSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    part_sku = serializers.CharField(source="part.sku", read_only=True)

    class Meta:
        model = StockCountLine
        fields = ["id", "part", "part_sku", "counted", "expected"]
        read_only_fields = ["expected"]


class StockCountSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    lines = StockCountLineSerializer(many=True, read_only=True)

    class Meta:
        model = StockCount
        fields = [
            "id",
            "location",
            "status",
            "note",
            "created_by",
            "created_at",
            "approved_by",
            "approved_at",
            "lines",
        ]
        read_only_fields = [
            "status",
            "created_by",
            "created_at",
            "approved_by",
            "approved_at",
            "lines",
        ]


class StockCountLineInputSerializer(StrictFieldsMixin, serializers.Serializer):
    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())
    counted = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY)
