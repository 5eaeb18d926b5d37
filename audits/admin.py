from django.contrib import admin

from aftersales.admin import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only everywhere: the trail is append-only."""

    list_display = ["created_at", "action", "object_type", "object_id", "actor", "source"]
    list_filter = ["source", "action", "object_type"]
    search_fields = ["=object_id", "action", "=request_id"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
    show_full_result_count = False
