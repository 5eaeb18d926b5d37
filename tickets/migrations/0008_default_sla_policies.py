"""The calendar and policies every installation starts with (targets are data, not code).

- "24x7": the clock never stops (the default calendar);
- "Standard" (the default policy): respond within 24 h, dispatch within 48 h;
- "Complaint": a complaint reaches a supervisor within 4 h (domain.md, 服务时效).
"""

from django.db import migrations


def create_defaults(apps, schema_editor):
    WorkingCalendar = apps.get_model("tickets", "WorkingCalendar")
    WorkingHours = apps.get_model("tickets", "WorkingHours")
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    calendar, created = WorkingCalendar.objects.get_or_create(
        code="24x7", defaults={"name": "24×7", "time_zone": "Asia/Shanghai"}
    )
    if created:
        WorkingHours.objects.bulk_create(
            WorkingHours(calendar=calendar, weekday=day, start_minute=0, end_minute=1440)
            for day in range(7)
        )
    if not SlaPolicy.objects.filter(is_default=True).exists():
        SlaPolicy.objects.create(
            name="Standard", calendar=calendar, response_hours=24, dispatch_hours=48,
            warning_fraction="0.75", level3_after_hours=4, follow_up_days=7, is_default=True,
        )
    SlaPolicy.objects.get_or_create(
        name="Complaint",
        defaults={"category": "complaint", "calendar": calendar, "response_hours": 4,
                  "dispatch_hours": 48, "warning_fraction": "0.75", "level3_after_hours": 4,
                  "follow_up_days": 3},
    )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_sla_calendars_policies")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
