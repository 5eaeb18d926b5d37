"""Serializers of the depot's REST API: receipts (with their turnaround), loan units and
the inputs of the take-in, the stage change, the lending and the return."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftersales.api.serializers import StrictFieldsMixin
from tickets.models import ProductModel

from ..choices import ACCESSORIES, CONDITION_CHECKS, WORKSHOP_STAGES, DepotStage, LoanStatus
from ..models import EquipmentReceipt, LoanUnit
from ..selectors import receipt_turnaround

SIGNATURE_HELP = (
    "The customer's signature: a PNG or JPEG data URL (data:image/png;base64,...), at most "
    "UPLOAD_MAX_BYTES['signature'] decoded; required."
)


class LoanUnitSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    product_model = serializers.SlugRelatedField(
        slug_field="code", queryset=ProductModel.objects.all()
    )

    class Meta:
        model = LoanUnit
        fields = ["id", "number", "product_model", "serial_number", "status", "notes", "version"]
        read_only_fields = ["status", "version"]
        extra_kwargs = {"number": {"validators": []}}


class LoanUnitStatusInput(StrictFieldsMixin, serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[
            (s, LoanStatus(s).label) for s in (LoanStatus.AVAILABLE, LoanStatus.OUT_OF_SERVICE)
        ]
    )


class EquipmentReceiptSerializer(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    loan_unit = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    turnaround_state = serializers.SerializerMethodField()
    turnaround_left_seconds = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    signed_at_intake = serializers.SerializerMethodField()
    signed_at_return = serializers.SerializerMethodField()

    class Meta:
        model = EquipmentReceipt
        fields = [
            "id", "number", "ticket", "ticket_number", "status", "stage", "version",
            "serial_number", "condition_checks", "condition_notes", "accessories",
            "accessories_other", "brought_by_technician", "received_at", "due_at", "warn_at",
            "paused_at", "paused_seconds", "ready_at", "turnaround_state",
            "turnaround_left_seconds", "loan_unit", "loan_lent_at", "loan_returned_at",
            "returned_at", "return_notes", "signed_at_intake", "signed_at_return", "photos",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(
        serializers.ChoiceField(choices=["on_track", "at_risk", "breached", "met"])
    )
    def get_turnaround_state(self, obj):
        return receipt_turnaround(obj)[0]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_turnaround_left_seconds(self, obj):
        left = receipt_turnaround(obj)[1]
        return None if left is None else int(left.total_seconds())

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_photos(self, obj):
        return [reverse("depot-photo-file", args=[photo.pk]) for photo in obj.photos.all()]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_signed_at_intake(self, obj):
        return bool(obj.intake_signature)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_signed_at_return(self, obj):
        return bool(obj.return_signature)


class ReceiptCreateInput(StrictFieldsMixin, serializers.Serializer):
    ticket = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    signature = serializers.CharField(help_text=SIGNATURE_HELP, max_length=400_000)
    serial_number = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="Default: the ticket's unit's."
    )
    condition_checks = serializers.ListField(
        child=serializers.ChoiceField(choices=list(CONDITION_CHECKS)), required=False, max_length=20
    )
    condition_notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    accessories = serializers.ListField(
        child=serializers.ChoiceField(choices=list(ACCESSORIES)), required=False, max_length=20
    )
    accessories_other = serializers.CharField(max_length=200, required=False, allow_blank=True)
    loan_unit = serializers.SlugRelatedField(
        slug_field="number", queryset=LoanUnit.objects.all(), required=False, allow_null=True
    )


class ReceiptStageInput(StrictFieldsMixin, serializers.Serializer):
    stage = serializers.ChoiceField(choices=[(s, DepotStage(s).label) for s in WORKSHOP_STAGES])
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ReceiptLendInput(StrictFieldsMixin, serializers.Serializer):
    loan_unit = serializers.SlugRelatedField(slug_field="number", queryset=LoanUnit.objects.all())


class ReceiptReturnInput(StrictFieldsMixin, serializers.Serializer):
    signature = serializers.CharField(help_text=SIGNATURE_HELP, max_length=400_000)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
