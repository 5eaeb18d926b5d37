from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from rest_framework import serializers

from aftersales.api.fields import DateTimeField
from aftersales.api.files import ProtectedFileField, UploadField
from aftersales.api.serializers import StrictFieldsMixin
from aftersales.uploads import EVIDENCE
from audits.choices import CHECKLIST_ITEMS, KpiGrouping, Severity
from audits.models import AuditSample, CorrectiveAction, Finding, QualityAudit


class AuditSampleSerializer(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    conforming = serializers.BooleanField(read_only=True)

    class Meta:
        model = AuditSample
        fields = [
            "id",
            "audit",
            "ticket",
            "ticket_number",
            "technician",
            "prefilled",
            "checks",
            "note",
            "confirmed_by",
            "confirmed_at",
            "conforming",
        ]
        read_only_fields = fields


class QualityAuditSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    sample_size = serializers.IntegerField(source="samples.count", read_only=True)
    # The model's check constraint (quality_audit_percent_1_100), stated in the schema.
    sample_percent = serializers.IntegerField(min_value=1, max_value=100, required=False)

    class Meta:
        model = QualityAudit
        fields = [
            "id",
            "title",
            "period_start",
            "period_end",
            "sample_percent",
            "sample_min",
            "seed",
            "status",
            "sample_size",
            "created_by",
            "created_at",
            "closed_at",
        ]
        read_only_fields = ["status", "created_by", "created_at", "closed_at"]
        extra_kwargs = {"seed": {"required": False}}


class AuditSampleConfirmInputSerializer(StrictFieldsMixin, serializers.Serializer):
    checks = serializers.DictField(child=serializers.BooleanField(), required=False, default=dict)
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_checks(self, value):
        unknown = set(value) - set(CHECKLIST_ITEMS)
        if unknown:
            raise serializers.ValidationError(f"Unknown items: {', '.join(sorted(unknown))}.")
        return value


class FindingSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    audit = serializers.PrimaryKeyRelatedField(queryset=QualityAudit.objects.all())
    sample = serializers.PrimaryKeyRelatedField(
        queryset=AuditSample.objects.all(), required=False, allow_null=True
    )
    severity = serializers.ChoiceField(choices=Severity.choices)

    class Meta:
        model = Finding
        fields = [
            "id",
            "audit",
            "sample",
            "severity",
            "description",
            "status",
            "created_by",
            "created_at",
            "closed_at",
        ]
        read_only_fields = ["status", "created_by", "created_at", "closed_at"]


class CorrectiveActionSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    finding = serializers.PrimaryKeyRelatedField(queryset=Finding.objects.all())
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True)
    )
    evidence = ProtectedFileField(view_name="corrective-action-evidence-file", read_only=True)

    class Meta:
        model = CorrectiveAction
        fields = [
            "id",
            "finding",
            "description",
            "owner",
            "due_on",
            "status",
            "evidence",
            "evidence_note",
            "submitted_at",
            "verified_by",
            "verified_at",
            "verification_note",
            "escalation_level",
            "created_by",
            "created_at",
        ]
        read_only_fields = [
            "status",
            "evidence",
            "evidence_note",
            "submitted_at",
            "verified_by",
            "verified_at",
            "verification_note",
            "escalation_level",
            "created_by",
            "created_at",
        ]


class CorrectiveActionEvidenceInputSerializer(StrictFieldsMixin, serializers.Serializer):
    evidence = UploadField(kind=EVIDENCE, required=False, max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class CorrectiveActionVerifyInputSerializer(StrictFieldsMixin, serializers.Serializer):
    effective = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class KpiQuerySerializer(serializers.Serializer):
    # "from" is a Python keyword: declared below under its wire name.
    to = DateTimeField()
    group_by = serializers.ChoiceField(choices=KpiGrouping.choices, default=KpiGrouping.TECHNICIAN)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = DateTimeField()
        return fields

    def validate(self, attrs):
        if attrs["to"] <= attrs["from"]:
            raise serializers.ValidationError({"to": [_("The period must end after it starts.")]})
        return attrs


class KpiRowSerializer(serializers.Serializer):
    key = serializers.JSONField(allow_null=True)
    label = serializers.CharField(allow_null=True)
    opened = serializers.IntegerField()
    closed = serializers.IntegerField()
    complaints = serializers.IntegerField()
    response_sla_met_pct = serializers.FloatField(allow_null=True)
    dispatch_sla_met_pct = serializers.FloatField(allow_null=True)
    first_time_fix_pct = serializers.FloatField(allow_null=True)
    avg_satisfaction = serializers.FloatField(allow_null=True)
    record_completeness_pct = serializers.FloatField(allow_null=True)
    response_decided = serializers.IntegerField()
    response_met = serializers.IntegerField()
    dispatch_decided = serializers.IntegerField()
    dispatch_met = serializers.IntegerField()
    first_time_fixes = serializers.IntegerField()
    satisfaction_answers = serializers.IntegerField()
    complete_records = serializers.IntegerField()


class KpiReportSerializer(serializers.Serializer):
    to = serializers.DateTimeField()
    group_by = serializers.CharField()
    rows = KpiRowSerializer(many=True)
    totals = KpiRowSerializer()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateTimeField()
        return fields


class StoredKpiReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period_start = serializers.DateTimeField()
    period_end = serializers.DateTimeField()
    group_by = serializers.CharField()
    weekly = serializers.BooleanField()
    generated_at = serializers.DateTimeField()
    rows = KpiRowSerializer(many=True)
    totals = KpiRowSerializer()
