"""Ticket events (the timelines) become monthly partitions of created_at (README "Partitions and retention"): PostgreSQL only, nothing on SQLite."""

from django.db import migrations

from aftersales.migration_operations import PartitionByMonth


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("tickets", "0029_service_operations_roles_events")]

    operations = [
        PartitionByMonth(table="tickets_ticketevent", column="created_at"),
    ]
