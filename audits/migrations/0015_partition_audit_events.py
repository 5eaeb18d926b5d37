"""The audit trail becomes monthly partitions of created_at; its append-only trigger
is re-created on the partitioned table
(README "Partitions and retention"). PostgreSQL only, nothing on SQLite."""

from django.db import migrations

from aftersales.migration_operations import PartitionByMonth


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("audits", "0014_warranty_parthistory_group")]

    operations = [
        PartitionByMonth(table="audits_auditevent", column="created_at"),
    ]
