"""The knowledge app's REST adapter: articles (list, retrieve, create, publish a version,
feedback), suggestions as the agent types, support questions (ask, answer, list). Every
write calls ``tickets.knowledge.services``."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api.actions import service_action
from aftersales.platform.api.idempotency import IdempotentCreateMixin
from aftersales.roles import Role

from .. import services
from ..models import Article, SupportQuestion
from ..search import suggest
from ..selectors import READER_ROLES, article_list, article_versions, question_list, visible_tickets
from . import serializers as s


@extend_schema_view(
    create=extend_schema(request=s.ArticleCreateSerializer, responses={201: s.ArticleSerializer}),
    list=extend_schema(
        parameters=[OpenApiParameter("drafts", bool, description="editors: drafts too")]
    ),
)
class ArticleViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Knowledge articles (技术资料库) per product category: the desk, technicians, technical
    support and auditors read the published ones; supervisors and technical support write
    (every edit publishes a new version, ``POST …/versions/``)."""

    queryset = Article.objects.none()
    serializer_class = s.ArticleSerializer
    read_roles = READER_ROLES
    write_roles = services.EDITOR_ROLES
    action_roles = {
        "versions": READER_ROLES,
        "publish": services.EDITOR_ROLES,
        "feedback": services.FEEDBACK_ROLES,
    }
    filterset_fields = ["category", "product_model"]

    def get_queryset(self):
        drafts = self.request.query_params.get("drafts") == "true" or self.action != "list"
        return article_list(user=self.request.user, drafts=drafts)

    def create_response(self, request):
        data = s.ArticleCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        article = services.article_create(actor=request.user, **data.validated_data)
        return status.HTTP_201_CREATED, s.ArticleSerializer(
            self.get_queryset().get(pk=article.pk)
        ).data

    @extend_schema(responses=s.ArticleVersionSerializer(many=True))
    @action(
        detail=True, methods=["get"], url_path="versions", pagination_class=None, filter_backends=[]
    )
    def versions(self, request, pk=None):
        """Every version of the article, oldest first (old ones stay readable)."""
        return Response(
            s.ArticleVersionSerializer(article_versions(article=self.get_object()), many=True).data
        )

    publish = service_action(
        services.article_version_publish,
        subject="article",
        name="publish",
        input=s.ArticleVersionInputSerializer,
        output=s.ArticleVersionSerializer,
    )

    @extend_schema(request=s.FeedbackInputSerializer, responses={201: s.FeedbackSerializer})
    @action(detail=True, methods=["post"], url_path="feedback")
    def feedback(self, request, pk=None):
        """ "This helped" / "did not help", once per user per article per ticket."""
        data = s.FeedbackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = data.validated_data.get("ticket")
        if ticket is not None:
            ticket = get_object_or_404(visible_tickets(request.user), pk=ticket.pk)
        row = services.article_feedback_record(
            article=self.get_object(),
            actor=request.user,
            helped=data.validated_data["helped"],
            ticket=ticket,
        )
        return Response(s.FeedbackSerializer(row).data, status=status.HTTP_201_CREATED)


class SuggestionView(APIView):
    """The published articles best matching what the customer says (``q``), of the unit's
    category when given, best first (the intake page's panel reads the same)."""

    read_roles = READER_ROLES

    @extend_schema(
        parameters=[s.SuggestionQuerySerializer], responses=s.SuggestionSerializer(many=True)
    )
    def get(self, request):
        query = s.SuggestionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        category = data.get("category")
        found = suggest(
            data["q"],
            category_id=category.pk if category else None,
            limit=data.get("limit") or settings.KNOWLEDGE_SUGGESTIONS,
        )
        return Response(s.SuggestionSerializer(found, many=True).data)


@extend_schema_view(
    create=extend_schema(
        request=s.SupportQuestionCreateSerializer, responses={201: s.SupportQuestionSerializer}
    )
)
class SupportQuestionViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The technical-support queue (技术支持): the desk and technicians ask (optionally about
    a ticket they may see), technical support answers within ``SUPPORT_RESPONSE_HOURS``."""

    answers_404 = True  # the ticket named in the body may not be visible

    queryset = SupportQuestion.objects.none()
    serializer_class = s.SupportQuestionSerializer
    read_roles = (*services.ASK_ROLES, Role.TECH_SUPPORT, Role.AUDITOR)
    write_roles = services.ASK_ROLES
    action_roles = {"answer": services.ANSWER_ROLES}
    filterset_fields = ["status", "ticket", "category"]
    ordering_fields = ["asked_at", "due_at"]

    def get_queryset(self):
        return question_list(user=self.request.user).order_by("-asked_at", "-id")

    def create_response(self, request):
        data = s.SupportQuestionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        ticket = values.pop("ticket", None)
        if ticket is not None:
            ticket = get_object_or_404(visible_tickets(request.user), pk=ticket)
        question = services.support_question_ask(actor=request.user, ticket=ticket, **values)
        return status.HTTP_201_CREATED, s.SupportQuestionSerializer(
            self.get_queryset().get(pk=question.pk)
        ).data

    answer = service_action(
        services.support_question_answer,
        subject="question",
        name="answer",
        input=s.SupportAnswerInputSerializer,
    )
