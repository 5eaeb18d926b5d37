"""The REST serializers of the instrument ledger."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftersales.api.fields import DateField
from aftersales.api.files import ProtectedFileField
from aftersales.api.serializers import StrictFieldsMixin
from aftersales.uploads import CERTIFICATE_DOCUMENT
from parts.models import StockLocation
from technicians.models import Technician
from tickets.models import ProductCategory

from ..choices import CalibrationResult, CalibrationState, InstrumentStatus
from ..models import CalibrationRecord, Instrument, InstrumentKind, ToolRequirement


class InstrumentKindSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    code = serializers.SlugField(max_length=32)
    calibration_interval_months = serializers.IntegerField(min_value=1, max_value=120, default=12)

    class Meta:
        model = InstrumentKind
        fields = ["id", "code", "name", "calibration_interval_months"]
        validators = []  # the service says "this code is taken" on the field


class InstrumentSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """An instrument of the ledger. ``holder``, ``status`` and the calibration dates
    change only through the actions (issue, return, status, calibrate);
    ``calibration_state`` is today's (current, due soon, overdue, never calibrated)."""

    number = serializers.CharField(max_length=32)
    kind = serializers.SlugRelatedField(slug_field="code", queryset=InstrumentKind.objects.all())
    location = serializers.SlugRelatedField(
        slug_field="code",
        queryset=StockLocation.objects.all(),
        required=False,
        allow_null=True,
    )
    holder = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    calibration_due_on = DateField(required=False, allow_null=True)
    last_calibrated_on = DateField(required=False, allow_null=True)
    calibration_state = serializers.SerializerMethodField()

    class Meta:
        model = Instrument
        fields = [
            "id",
            "number",
            "kind",
            "model",
            "serial",
            "holder",
            "location",
            "status",
            "last_calibrated_on",
            "calibration_due_on",
            "calibration_state",
            "version",
            "created_at",
        ]
        read_only_fields = ["status", "version", "created_at"]
        validators = []

    @extend_schema_field(serializers.ChoiceField(choices=CalibrationState.choices))
    def get_calibration_state(self, obj):
        return obj.calibration_state(timezone.localdate())


class InstrumentIssueInputSerializer(StrictFieldsMixin, serializers.Serializer):
    technician = serializers.PrimaryKeyRelatedField(queryset=Technician.objects.all())
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class InstrumentReturnInputSerializer(StrictFieldsMixin, serializers.Serializer):
    location = serializers.SlugRelatedField(slug_field="code", queryset=StockLocation.objects.all())
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class InstrumentStatusInputSerializer(StrictFieldsMixin, serializers.Serializer):
    status = serializers.ChoiceField(choices=InstrumentStatus.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CalibrationRecordSerializer(serializers.ModelSerializer):
    """A calibration as recorded; ``certificate`` is the URL of its download (ledger
    readers only), null without one."""

    certificate = ProtectedFileField(
        view_name="calibration-certificate", read_only=True, allow_null=True
    )
    recorded_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = CalibrationRecord
        fields = [
            "id",
            "instrument",
            "calibrated_on",
            "laboratory",
            "result",
            "next_due_on",
            "certificate_number",
            "certificate",
            "note",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class CalibrationRecordInputSerializer(StrictFieldsMixin, serializers.Serializer):
    """Multipart when it carries the certificate (a PDF or an image)."""

    calibrated_on = DateField()
    laboratory = serializers.CharField(max_length=200)
    result = serializers.ChoiceField(choices=CalibrationResult.choices)
    next_due_on = DateField(required=False, allow_null=True, default=None)
    certificate_number = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )
    certificate = ProtectedFileField(
        view_name="calibration-certificate",
        kind=CERTIFICATE_DOCUMENT,
        required=False,
        allow_null=True,
        default=None,
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ToolRequirementSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A product category requires an instrument of ``kind`` at its check-ins."""

    category = serializers.SlugRelatedField(
        slug_field="code", queryset=ProductCategory.objects.all()
    )
    kind = serializers.SlugRelatedField(slug_field="code", queryset=InstrumentKind.objects.all())

    class Meta:
        model = ToolRequirement
        fields = ["id", "category", "kind"]
        validators = []  # the service answers a pair already required
