"""The safety net's ticket snapshots (the largest history table: one row per ticket write)
become monthly partitions of pgh_created_at (README "Partitions and retention"); pgtrigger's
append-only trigger is re-created with its comment. PostgreSQL only, nothing on SQLite."""

from django.db import migrations

from aftersales.migration_operations import PartitionByMonth


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("audits", "0015_partition_audit_events")]

    operations = [
        PartitionByMonth(table="audits_tickethistory", column="pgh_created_at"),
    ]
