"""The service incidents in the admin: read-only (their rules live in the services and the
pages); links, notices and the review shown beside each incident."""

from django.contrib import admin

from aftersales.admin import ReadOnlyAdmin

from .models import (
    Incident,
    IncidentEvent,
    IncidentNotice,
    IncidentNoticeDelivery,
    IncidentReview,
    IncidentTicket,
)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class IncidentEventInline(_ReadOnlyInline):
    model = IncidentEvent
    fields = readonly_fields = ["created_at", "kind", "actor", "payload"]


class IncidentNoticeInline(_ReadOnlyInline):
    model = IncidentNotice
    fields = readonly_fields = ["subject", "created_by", "sent_at", "sent_by", "recipients"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "grade", "stage", "declared_at", "response_due_at"]
    list_filter = ["grade", "stage"]
    search_fields = ["number", "title"]
    date_hierarchy = "declared_at"
    inlines = [IncidentNoticeInline, IncidentEventInline]


@admin.register(IncidentTicket)
class IncidentTicketAdmin(ReadOnlyAdmin):
    list_display = ["incident", "ticket", "method", "linked_at", "unlinked_at"]
    list_filter = ["method"]
    search_fields = ["incident__number", "ticket__number"]
    list_select_related = ["incident", "ticket"]
    raw_id_fields = ["incident", "ticket"]


@admin.register(IncidentNotice)
class IncidentNoticeAdmin(ReadOnlyAdmin):
    list_display = ["incident", "subject", "created_at", "sent_at", "recipients"]
    search_fields = ["incident__number", "subject"]
    list_select_related = ["incident"]


@admin.register(IncidentNoticeDelivery)
class IncidentNoticeDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["notice", "customer", "created_at"]
    raw_id_fields = ["notice", "customer"]


@admin.register(IncidentReview)
class IncidentReviewAdmin(ReadOnlyAdmin):
    list_display = ["incident", "reviewed_by", "reviewed_at"]
    search_fields = ["incident__number", "cause"]
