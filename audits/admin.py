"""Admin adapter: the trail and the quality records are read-only here (append-only
trail; quality audits change through their services, which check roles and record)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db import transaction

from aftersales.admin import ReadOnlyAdmin

from .models import AuditEvent, AuditSample, CorrectiveAction, Finding, KpiReport, QualityAudit


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only everywhere: the trail is append-only. Filter by object, actor, action, time."""

    list_display = ["created_at", "action", "object_type", "object_id", "actor", "source"]
    list_filter = ["source", "action", "object_type"]
    search_fields = ["=object_id", "action", "=request_id", "=actor__username"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
    show_full_result_count = False


class AuditSampleInline(admin.TabularInline):
    model = AuditSample
    extra = 0
    can_delete = False
    fields = ["ticket", "technician", "prefilled", "checks", "confirmed_by", "confirmed_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(QualityAudit)
class QualityAuditAdmin(ReadOnlyAdmin):
    list_display = ["title", "period_start", "period_end", "sample_percent", "status", "created_by"]
    list_filter = ["status"]
    inlines = [AuditSampleInline]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["audit", "severity", "status", "created_by", "created_at"]
    list_filter = ["severity", "status"]


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(ReadOnlyAdmin):
    list_display = ["finding", "owner", "due_on", "status", "escalation_level", "verified_by"]
    list_filter = ["status", "escalation_level"]


@admin.register(KpiReport)
class KpiReportAdmin(ReadOnlyAdmin):
    list_display = ["period_start", "period_end", "group_by", "weekly", "generated_at"]
    list_filter = ["group_by", "weekly"]


admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(UserAdmin):
    """Django's UserAdmin, with the password change (a view of its own that bypasses
    ``save_model``) recorded too; the password itself never reaches the trail."""

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            from audits.services import audit_record

            with transaction.atomic():
                audit_record(
                    actor=request.user,
                    action="admin.updated",
                    object_type="auth.user",
                    object_id=id,
                    changes={"password": "<redacted>"},
                )
        return response
