from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only everywhere: the trail is append-only."""

    list_display = ["created_at", "action", "object_type", "object_id", "actor", "source"]
    list_filter = ["source", "action", "object_type"]
    search_fields = ["=object_id", "action", "=request_id"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
