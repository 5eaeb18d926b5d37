from django.contrib.auth.password_validation import validate_password
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftersales.api.fields import DateField, PasswordField
from aftersales.api.files import ProtectedFileField, UploadField
from aftersales.api.serializers import StrictFieldsMixin
from aftersales.uploads import CERTIFICATE_DOCUMENT
from parts.models import StockLocation
from tickets.models import Area, ProductCategory

from ..choices import AbsenceKind, CertificationStatus
from ..models import Absence, Certification, CertificationType, Technician, TrainingRecord


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "integer", "minimum": 1, "maximum": 7},
        "minItems": 1,
        "maxItems": 7,
        "uniqueItems": True,
    }
)
class WorkingDaysField(serializers.Field):
    """ISO weekdays as a list (``[1, 2, 3, 4, 5]``), stored as the digits ``12345``."""

    default_error_messages = {
        "invalid": _("A list of distinct ISO weekdays, 1 (Monday) to 7 (Sunday)."),
    }

    def to_representation(self, value):
        return [int(day) for day in value]

    def to_internal_value(self, data):
        if not isinstance(data, list) or not data:
            self.fail("invalid")
        try:
            days = sorted({int(day) for day in data})
        except (TypeError, ValueError):
            self.fail("invalid")
        if len(days) != len(data) or days[0] < 1 or days[-1] > 7:
            self.fail("invalid")
        return "".join(str(day) for day in days)


class TechnicianSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", max_length=150)
    password = PasswordField(required=False)
    areas = serializers.SlugRelatedField(slug_field="code", many=True, queryset=Area.objects.all())
    max_jobs_per_day = serializers.IntegerField(min_value=1, max_value=50, required=False)
    working_days = WorkingDaysField(required=False)
    home_outlet = serializers.SlugRelatedField(
        slug_field="code",
        queryset=StockLocation.objects.filter(kind="outlet"),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = Technician
        fields = [
            "id",
            "username",
            "password",
            "full_name",
            "phone",
            "employee_no",
            "areas",
            "max_jobs_per_day",
            "working_days",
            "home_outlet",
            "active",
            "created_at",
        ]
        read_only_fields = ["active", "created_at"]

    def validate_password(self, value):
        validate_password(value)
        return value


class TechnicianUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    represented_by = TechnicianSerializer
    full_name = serializers.CharField(max_length=200, required=False)
    phone = serializers.CharField(max_length=32, required=False)
    areas = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Area.objects.all(), required=False
    )
    max_jobs_per_day = serializers.IntegerField(min_value=1, max_value=50, required=False)
    working_days = WorkingDaysField(required=False)
    home_outlet = serializers.SlugRelatedField(
        slug_field="code",
        queryset=StockLocation.objects.filter(kind="outlet"),
        required=False,
        allow_null=True,
    )
    active = serializers.BooleanField(required=False)


class CertificationTypeSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    categories = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=ProductCategory.objects.all()
    )
    validity_months = serializers.IntegerField(min_value=1, max_value=240)

    class Meta:
        model = CertificationType
        fields = ["id", "code", "name", "categories", "validity_months"]


class CertificationSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """``status`` is today's, derived from the dates; the dates are fixed once recorded."""

    technician = serializers.PrimaryKeyRelatedField(queryset=Technician.objects.all())
    type = serializers.SlugRelatedField(slug_field="code", queryset=CertificationType.objects.all())
    expires_on = serializers.DateField(required=False)
    status = serializers.SerializerMethodField()
    verified_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    document = ProtectedFileField(
        view_name="certification-document",
        kind=CERTIFICATE_DOCUMENT,
        required=False,
        allow_null=True,
    )

    class Meta:
        model = Certification
        fields = [
            "id",
            "technician",
            "type",
            "number",
            "issuer",
            "issued_on",
            "expires_on",
            "document",
            "status",
            "verified_by",
            "verified_at",
            "revoked_at",
            "revoke_reason",
            "created_at",
        ]
        read_only_fields = ["verified_at", "revoked_at", "revoke_reason", "created_at"]
        # The service checks "type + number" and says so in the field's error.
        validators = []

    @extend_schema_field(serializers.ChoiceField(choices=CertificationStatus.choices))
    def get_status(self, obj):
        return obj.status_on(timezone.localdate())


class CertificationUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    """What a correction may touch; dates and type are refused with a clear message."""

    represented_by = CertificationSerializer

    number = serializers.CharField(max_length=64, required=False)
    issuer = serializers.CharField(max_length=200, required=False, allow_blank=True)
    document = UploadField(kind=CERTIFICATE_DOCUMENT, required=False)

    FIXED = {"issued_on", "expires_on", "type", "technician"}

    def refused_field_message(self, name, field):
        if name in self.FIXED:
            return _(
                "Dates, type and holder of a certificate are fixed; record a "
                "renewal as a new certificate."
            )
        return super().refused_field_message(name, field)


class CertificationRevokeSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class TrainingRecordSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    technician = serializers.PrimaryKeyRelatedField(queryset=Technician.objects.all())
    theory_hours = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=0, max_value=1000, default=0
    )
    practical_hours = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=0, max_value=1000, default=0
    )
    score = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=0, max_value=100, required=False, allow_null=True
    )

    class Meta:
        model = TrainingRecord
        fields = [
            "id",
            "technician",
            "course",
            "theory_hours",
            "practical_hours",
            "completed_on",
            "score",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class AbsenceSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    technician = serializers.PrimaryKeyRelatedField(queryset=Technician.objects.all())
    kind = serializers.ChoiceField(choices=AbsenceKind.choices)
    affected_tickets = serializers.SerializerMethodField()

    class Meta:
        model = Absence
        fields = ["id", "technician", "kind", "starts_on", "ends_on", "note", "affected_tickets"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_affected_tickets(self, obj):
        """On creation: numbers of jobs already booked in the period (to reschedule)."""
        return getattr(obj, "affected_tickets", [])


class PeriodQuerySerializer(serializers.Serializer):
    """``from``/``to`` dates, inclusive; the last 90 days by default."""

    date_from = DateField(required=False)
    date_to = DateField(required=False)
    area = serializers.SlugRelatedField(
        slug_field="code", queryset=Area.objects.all(), required=False
    )

    def to_internal_value(self, data):
        data = {
            "date_from": data.get("from"),
            "date_to": data.get("to"),
            **({"area": data["area"]} if data.get("area") else {}),
        }
        data = {k: v for k, v in data.items() if v not in (None, "")}
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            renamed = {"date_from": "from", "date_to": "to"}
            raise serializers.ValidationError(
                {renamed.get(k, k): v for k, v in exc.detail.items()}
            ) from exc

    def validate(self, attrs):
        import datetime

        to = attrs.get("date_to") or timezone.localdate()
        start = attrs.get("date_from") or to - datetime.timedelta(days=89)
        if start > to:
            raise serializers.ValidationError({"from": [_("'from' must not be after 'to'.")]})
        if (to - start).days > 3660:
            raise serializers.ValidationError({"from": [_("A period is at most ten years.")]})
        return {"date_from": start, "date_to": to, "area": attrs.get("area")}


class PerformanceSerializer(serializers.Serializer):
    technician = serializers.IntegerField()
    employee_no = serializers.CharField()
    full_name = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    jobs_done = serializers.IntegerField()
    closed_jobs = serializers.IntegerField()
    avg_dispatch_to_on_site_minutes = serializers.FloatField(allow_null=True)
    first_time_fix_rate = serializers.FloatField(allow_null=True)
    avg_satisfaction = serializers.FloatField(allow_null=True)
    complaints = serializers.IntegerField()
    area_jobs = serializers.IntegerField(help_text="Jobs in the ``area`` asked for (0 without).")


class TrainingComplianceSerializer(serializers.Serializer):
    technician = serializers.IntegerField()
    employee_no = serializers.CharField()
    full_name = serializers.CharField()
    theory_hours = serializers.FloatField()
    practical_hours = serializers.FloatField()
    compliant = serializers.BooleanField()


class TrainingComplianceQuerySerializer(serializers.Serializer):
    on = DateField(required=False)
    compliant = serializers.BooleanField(required=False, allow_null=True, default=None)
