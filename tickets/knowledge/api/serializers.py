"""The knowledge app's REST serializers: articles and their versions, suggestions,
feedback, support questions."""

from rest_framework import serializers

from aftersales.api.serializers import StrictFieldsMixin
from tickets.models import ProductCategory, ProductModel, Ticket

from ..choices import QuestionStatus
from ..models import Article, ArticleVersion, SupportQuestion


class ArticleVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArticleVersion
        fields = [
            "id",
            "number",
            "title_en",
            "title_zh",
            "symptoms_en",
            "symptoms_zh",
            "causes_en",
            "causes_zh",
            "steps_en",
            "steps_zh",
            "published",
            "created_at",
        ]
        read_only_fields = fields


class ArticleSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    current = ArticleVersionSerializer(read_only=True, allow_null=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    product_model = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "code",
            "category",
            "product_model",
            "title",
            "current",
            "helped",
            "not_helped",
            "created_at",
        ]
        read_only_fields = fields


class ArticleTextsSerializer(StrictFieldsMixin, serializers.Serializer):
    title_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    title_zh = serializers.CharField(max_length=200, required=False, allow_blank=True)
    symptoms_en = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    symptoms_zh = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    causes_en = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    causes_zh = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    steps_en = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    steps_zh = serializers.CharField(max_length=10000, required=False, allow_blank=True)


class ArticleCreateSerializer(ArticleTextsSerializer):
    code = serializers.SlugField(max_length=64, required=False, allow_blank=True)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=ProductCategory.objects.all()
    )
    product_model = serializers.SlugRelatedField(
        slug_field="code", queryset=ProductModel.objects.all(), required=False, allow_null=True
    )
    published = serializers.BooleanField(default=True)


class ArticleVersionInputSerializer(ArticleTextsSerializer):
    expected_version = serializers.IntegerField(min_value=1, required=False)


class SuggestionQuerySerializer(StrictFieldsMixin, serializers.Serializer):
    q = serializers.CharField(max_length=500)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=ProductCategory.objects.all(), required=False
    )
    limit = serializers.IntegerField(min_value=1, max_value=20, default=5)


class SuggestionSerializer(serializers.Serializer):
    article = serializers.IntegerField(source="pk")
    code = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    category = serializers.CharField(source="category.code")
    version = serializers.IntegerField(source="current.number")
    score = serializers.FloatField(source="suggest_score")


class FeedbackInputSerializer(StrictFieldsMixin, serializers.Serializer):
    helped = serializers.BooleanField()
    ticket = serializers.PrimaryKeyRelatedField(
        queryset=Ticket.objects.all(), required=False, allow_null=True
    )


class FeedbackSerializer(serializers.Serializer):
    article = serializers.IntegerField(source="article_id")
    version = serializers.IntegerField(source="version.number")
    ticket = serializers.IntegerField(source="ticket_id", allow_null=True)
    helped = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class SupportQuestionSerializer(serializers.ModelSerializer):
    ticket = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    asked_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    answered_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    draft_article = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=QuestionStatus.choices, read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = SupportQuestion
        fields = [
            "id",
            "number",
            "ticket",
            "category",
            "question",
            "status",
            "asked_by",
            "asked_at",
            "due_at",
            "overdue",
            "overdue_at",
            "answer",
            "answered_by",
            "answered_at",
            "draft_article",
        ]
        read_only_fields = fields


class SupportQuestionCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    question = serializers.CharField(max_length=5000)
    ticket = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=ProductCategory.objects.all(), required=False, allow_null=True
    )


class SupportAnswerInputSerializer(StrictFieldsMixin, serializers.Serializer):
    answer = serializers.CharField(max_length=5000)
    draft_article = serializers.BooleanField(default=False)
