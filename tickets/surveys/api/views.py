"""REST for the satisfaction surveys (README "Satisfaction surveys and return visits"):
templates (every staff role reads, supervisors write: create, revise into a new version,
activate), responses (read; the desk records them with the return visit,
``POST /tickets/{id}/follow_up/`` with ``answers``, which the lifecycle owns), the results
over a period, and the low-score follow-up tasks (the desk closes them). Every write goes
through ``tickets.surveys.services``."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api.actions import service_action
from aftersales.api.concurrency import expected_version
from aftersales.api.fields import DateField
from aftersales.api.serializers import StrictFieldsMixin
from aftersales.roles import Role
from tickets.choices import TicketCategory

from .. import services
from ..choices import QuestionKind
from ..models import SurveyFollowUpTask, SurveyQuestion, SurveyResponse, SurveyTemplate
from ..selectors import RESULT_READERS, TASK_READERS, day_bounds, survey_results

SUPERVISOR = (Role.SUPERVISOR,)
STAFF_READERS = (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.MANAGER)
MAX_DAYS = 731


# --- Serializers ------------------------------------------------------------------------------


class QuestionSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    key = serializers.RegexField(r"^[a-z][a-z0-9_]*$", max_length=40)
    kind = serializers.ChoiceField(choices=QuestionKind.choices, default=QuestionKind.RATING)
    text_zh = serializers.CharField(max_length=300, required=False, allow_blank=True)
    required = serializers.BooleanField(required=False, default=True)

    class Meta:
        model = SurveyQuestion
        fields = ["position", "key", "kind", "text_en", "text_zh", "required"]
        read_only_fields = ["position"]


class TemplateSerializer(serializers.ModelSerializer):
    questions = QuestionSerializer(many=True, read_only=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = SurveyTemplate
        fields = [
            "id",
            "code",
            "version",
            "title_en",
            "title_zh",
            "category",
            "status",
            "questions",
            "created_by",
            "created_at",
            "activated_at",
        ]
        read_only_fields = fields


class TemplateCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    code = serializers.RegexField(r"^[a-z][a-z0-9_]*$", max_length=40)
    title_en = serializers.CharField(max_length=200)
    title_zh = serializers.CharField(max_length=200, required=False, allow_blank=True)
    category = serializers.ChoiceField(
        choices=TicketCategory.choices, required=False, allow_blank=True
    )
    questions = QuestionSerializer(many=True, allow_empty=False)

    def validate_questions(self, value):
        return [dict(item) for item in value]


class TemplateReviseSerializer(StrictFieldsMixin, serializers.Serializer):
    title_en = serializers.CharField(max_length=200, required=False)
    title_zh = serializers.CharField(max_length=200, required=False, allow_blank=True)
    questions = QuestionSerializer(many=True, allow_empty=False)

    def validate_questions(self, value):
        return [dict(item) for item in value]


class AnswerSerializer(serializers.Serializer):
    key = serializers.CharField(source="question.key")
    kind = serializers.CharField(source="question.kind")
    rating = serializers.IntegerField(allow_null=True)
    yes = serializers.BooleanField(allow_null=True)
    text = serializers.CharField()


class ResponseSerializer(serializers.ModelSerializer):
    ticket = serializers.PrimaryKeyRelatedField(read_only=True)
    template = serializers.PrimaryKeyRelatedField(read_only=True)
    template_version = serializers.IntegerField(source="template.version", read_only=True)
    recorded_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    answers = AnswerSerializer(many=True, read_only=True)
    follow_up_task = serializers.SerializerMethodField()

    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "ticket",
            "template",
            "template_version",
            "channel",
            "recorded_by",
            "overall",
            "comment",
            "answers",
            "follow_up_task",
            "created_at",
        ]
        read_only_fields = fields

    def get_follow_up_task(self, response) -> int | None:
        task = getattr(response, "follow_up_task", None)
        return task.pk if task else None


class LowAnswerSerializer(serializers.Serializer):
    key = serializers.CharField()
    rating = serializers.IntegerField()


class TaskSerializer(serializers.ModelSerializer):
    ticket = serializers.PrimaryKeyRelatedField(read_only=True)
    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    response = serializers.PrimaryKeyRelatedField(read_only=True)
    low_answers = LowAnswerSerializer(many=True, read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = SurveyFollowUpTask
        fields = [
            "id",
            "ticket",
            "ticket_number",
            "response",
            "status",
            "low_answers",
            "assignee",
            "opened_at",
            "closed_at",
            "closed_by",
            "note",
            "version",
        ]
        read_only_fields = fields


class TaskCloseSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class ResultsQuerySerializer(StrictFieldsMixin, serializers.Serializer):
    first = DateField(help_text="First local day (inclusive).")
    last = DateField(help_text="Last local day (inclusive).")

    def validate(self, attrs):
        if attrs["last"] < attrs["first"]:
            raise serializers.ValidationError({"last": ["The period ends before it starts."]})
        if (attrs["last"] - attrs["first"]).days > MAX_DAYS:
            raise serializers.ValidationError({"last": ["A period covers at most two years."]})
        return attrs


class QuestionResultSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)


class BreakdownRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Responses (answers to the overall question).")
    averages = serializers.DictField(child=serializers.FloatField(allow_null=True))


class BreakdownsSerializer(serializers.Serializer):
    technician = BreakdownRowSerializer(many=True)
    area = BreakdownRowSerializer(many=True)
    product_model = BreakdownRowSerializer(many=True)


class ResultsSerializer(serializers.Serializer):
    first = serializers.DateField()
    last = serializers.DateField()
    responses = serializers.IntegerField()
    questions = QuestionResultSerializer(many=True)
    by = BreakdownsSerializer()


# --- Views -----------------------------------------------------------------------------------


class TemplateViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Survey templates, every version (``?status=active`` for the ones in use,
    ``?code=`` for one survey's versions)."""

    queryset = SurveyTemplate.objects.select_related("created_by").prefetch_related("questions")
    serializer_class = TemplateSerializer
    read_roles = STAFF_READERS
    write_roles = SUPERVISOR
    filterset_fields = ["status", "code", "category"]
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=TemplateCreateSerializer, responses={201: TemplateSerializer})
    def create(self, request):
        data = TemplateCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = services.template_create(actor=request.user, **data.validated_data)
        return Response(TemplateSerializer(self.get_queryset().get(pk=template.pk)).data, 201)

    revise = service_action(
        services.template_revise,
        subject="template",
        name="revise",
        input=TemplateReviseSerializer,
        respond=lambda view, template: Response(
            TemplateSerializer(view.get_queryset().get(pk=template.pk)).data
        ),
        output=TemplateSerializer,
        summary="Change the questions (a version with answers becomes a new version)",
    )
    activate = service_action(
        services.template_activate,
        subject="template",
        name="activate",
        summary="Put this version in use for its service type",
    )


class ResponseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Survey responses with their answers per question (``?ticket=<id>``)."""

    queryset = SurveyResponse.objects.select_related(
        "template", "recorded_by", "follow_up_task"
    ).prefetch_related("answers__question")
    serializer_class = ResponseSerializer
    read_roles = STAFF_READERS
    filterset_fields = ["ticket", "channel"]


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Follow-up tasks opened by low scores (``?status=open``)."""

    queryset = SurveyFollowUpTask.objects.select_related("ticket", "assignee", "closed_by")
    serializer_class = TaskSerializer
    read_roles = TASK_READERS
    action_roles = {"close": services.TASK_WRITERS}
    filterset_fields = ["status", "ticket"]

    close = service_action(
        services.task_close,
        subject="task",
        name="close",
        input=TaskCloseSerializer,
        extra=lambda request: {"expected_version": expected_version(request)},
        summary="Close the task with what was done",
    )


class ResultsView(APIView):
    """Survey results for the local days [first, last]: the average of each rated
    question, and per technician, area and product model, with response counts."""

    read_roles = RESULT_READERS

    @extend_schema(
        parameters=[
            OpenApiParameter("first", OpenApiTypes.DATE, required=True),
            OpenApiParameter("last", OpenApiTypes.DATE, required=True),
        ],
        responses=ResultsSerializer,
    )
    def get(self, request):
        query = ResultsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        first, last = query.validated_data["first"], query.validated_data["last"]
        start, end = day_bounds(first, last)
        results = survey_results(start=start, end=end)
        results.update(first=first, last=last)
        return Response(ResultsSerializer(results).data)
