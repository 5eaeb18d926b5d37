"""Admin for the knowledge base: read-only (articles are written on the editor page and the
API, where every save publishes a version; questions follow their flow)."""

from django.contrib import admin

from aftersales.admin import ReadOnlyAdmin

from .models import Article, ArticleFeedback, ArticleVersion, SupportQuestion, TicketArticle


class ArticleVersionInline(admin.TabularInline):
    model = ArticleVersion
    fields = ["number", "title_en", "title_zh", "published", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    list_display = ["id", "__str__", "category", "product_model", "helped", "not_helped"]
    list_filter = ["category"]
    list_select_related = ["current", "category", "product_model"]
    search_fields = ["versions__title_en", "versions__title_zh"]
    inlines = [ArticleVersionInline]


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(ReadOnlyAdmin):
    list_display = ["article", "version", "ticket", "user", "helped", "created_at"]
    list_filter = ["helped"]
    list_select_related = ["article__current", "version", "ticket", "user"]


@admin.register(TicketArticle)
class TicketArticleAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "version", "actor", "created_at"]
    list_select_related = ["ticket", "version", "actor"]


@admin.register(SupportQuestion)
class SupportQuestionAdmin(ReadOnlyAdmin):
    list_display = ["number", "status", "ticket", "category", "asked_by", "due_at", "answered_at"]
    list_filter = ["status", "category"]
    list_select_related = ["ticket", "category", "asked_by"]
    search_fields = ["number", "question"]
