"""The notification outbox and the webhook deliveries become monthly partitions of
created_at (the retention drops whole months)
(README "Partitions and retention"). PostgreSQL only, nothing on SQLite."""

from django.db import migrations

from aftersales.migration_operations import PartitionByMonth


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("platform", "0013_incident_overdue_notification_kind")]

    operations = [
        PartitionByMonth(table="platform_notification", column="created_at"),
        PartitionByMonth(table="tickets_webhookdelivery", column="created_at"),
    ]
