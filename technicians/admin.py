from django.contrib import admin

from .models import Technician


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = ["employee_no", "full_name", "phone", "max_jobs_per_day", "active"]
    list_filter = ["active", "areas"]
    search_fields = ["employee_no", "full_name", "user__username"]
    filter_horizontal = ["areas"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
