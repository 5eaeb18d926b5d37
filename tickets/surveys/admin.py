"""The surveys in the admin, read-only: templates are written (new versions, activation)
through the services (REST ``/survey-templates/``), responses by the return visit, tasks
closed on their page; the admin shows them as recorded."""

from django.contrib import admin

from aftersales.admin import ReadOnlyAdmin

from .models import (
    ReturnVisitSample,
    SurveyAnswer,
    SurveyFollowUpTask,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class QuestionInline(_ReadOnlyInline):
    model = SurveyQuestion
    fields = readonly_fields = ["position", "key", "kind", "text_en", "text_zh", "required"]


class AnswerInline(_ReadOnlyInline):
    model = SurveyAnswer
    fields = readonly_fields = ["question", "rating", "yes", "text"]


@admin.register(SurveyTemplate)
class SurveyTemplateAdmin(ReadOnlyAdmin):
    list_display = ["code", "version", "title_en", "category", "status", "activated_at"]
    list_filter = ["status", "category"]
    search_fields = ["code", "title_en", "title_zh"]
    inlines = [QuestionInline]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "template", "channel", "overall", "recorded_by", "created_at"]
    list_filter = ["channel", "overall"]
    search_fields = ["ticket__number"]
    date_hierarchy = "created_at"
    list_select_related = ["ticket", "template", "recorded_by"]
    inlines = [AnswerInline]


@admin.register(ReturnVisitSample)
class ReturnVisitSampleAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "sampled", "reason", "percent", "draw", "decided_at"]
    list_filter = ["sampled", "reason"]
    search_fields = ["ticket__number"]
    list_select_related = ["ticket"]


@admin.register(SurveyFollowUpTask)
class SurveyFollowUpTaskAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "status", "assignee", "opened_at", "closed_at", "closed_by"]
    list_filter = ["status"]
    search_fields = ["ticket__number", "note"]
    list_select_related = ["ticket", "assignee", "closed_by"]
