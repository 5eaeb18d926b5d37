"""Serializers of the service incidents' REST API (outputs and strict inputs)."""

from rest_framework import serializers

from aftersales.api.serializers import StrictFieldsMixin
from tickets.models import Area, ProductModel, Ticket

from ..choices import IncidentGrade
from ..models import Incident, IncidentEvent, IncidentNotice, IncidentReview, IncidentTicket
from ..selectors import incident_due_summary


class StageClockSerializer(serializers.Serializer):
    clock = serializers.ChoiceField(choices=["response", "handling", "closure"])
    stage = serializers.CharField(help_text="The stage that stops this clock.")
    due_at = serializers.DateTimeField()
    reached_at = serializers.DateTimeField(allow_null=True)
    state = serializers.ChoiceField(choices=["met", "late", "running", "breached"])


class ReviewSerializer(serializers.ModelSerializer):
    reviewed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = IncidentReview
        fields = ["cause", "actions_taken", "lessons", "follow_up", "reviewed_by", "reviewed_at"]


class IncidentSerializer(serializers.ModelSerializer):
    declared_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    clocks = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField()
    linked_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = Incident
        fields = [
            "id",
            "number",
            "title",
            "description",
            "grade",
            "stage",
            "version",
            "declared_at",
            "declared_by",
            "response_due_at",
            "handling_due_at",
            "closure_due_at",
            "responded_at",
            "handled_at",
            "closed_at",
            "clocks",
            "rule_model_ids",
            "rule_area_ids",
            "rule_created_from",
            "rule_created_until",
            "linked_count",
            "review",
        ]
        read_only_fields = fields

    def get_clocks(self, incident) -> StageClockSerializer(many=True):
        return StageClockSerializer(incident_due_summary(incident), many=True).data

    def get_review(self, incident) -> ReviewSerializer(allow_null=True):
        review = getattr(incident, "review", None)
        return ReviewSerializer(review).data if review else None


class IncidentDeclareInput(StrictFieldsMixin, serializers.Serializer):
    title = serializers.CharField(max_length=200)
    grade = serializers.ChoiceField(choices=IncidentGrade.choices)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)


class StageInput(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ReviewInput(StrictFieldsMixin, serializers.Serializer):
    cause = serializers.CharField(max_length=10000)
    actions_taken = serializers.CharField(max_length=10000)
    lessons = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    follow_up = serializers.CharField(max_length=10000, required=False, allow_blank=True)


class RuleInput(StrictFieldsMixin, serializers.Serializer):
    product_models = serializers.PrimaryKeyRelatedField(
        queryset=ProductModel.objects.all(), many=True, allow_empty=False
    )
    areas = serializers.PrimaryKeyRelatedField(
        queryset=Area.objects.all(), many=True, required=False
    )
    created_from = serializers.DateTimeField(required=False, allow_null=True)
    created_until = serializers.DateTimeField(required=False, allow_null=True)


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class LinkInput(StrictFieldsMixin, serializers.Serializer):
    ticket = serializers.PrimaryKeyRelatedField(queryset=Ticket.objects.all())


class UnlinkInput(LinkInput):
    reason = serializers.CharField(max_length=2000)


class IncidentTicketSerializer(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    linked_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    unlinked_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = IncidentTicket
        fields = [
            "id",
            "incident",
            "ticket",
            "ticket_number",
            "method",
            "linked_at",
            "linked_by",
            "unlinked_at",
            "unlinked_by",
            "unlink_reason",
        ]
        read_only_fields = fields


class IncidentEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = IncidentEvent
        fields = ["id", "kind", "actor", "payload", "created_at"]
        read_only_fields = fields


class IncidentNoticeSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    sent_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = IncidentNotice
        fields = [
            "id",
            "incident",
            "subject",
            "body",
            "created_by",
            "created_at",
            "sent_at",
            "sent_by",
            "recipients",
        ]
        read_only_fields = fields


class NoticeDraftInput(StrictFieldsMixin, serializers.Serializer):
    incident = serializers.PrimaryKeyRelatedField(queryset=Incident.objects.all())
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=5000)
