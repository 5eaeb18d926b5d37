"""The stock ledger becomes monthly partitions of created_at (README "Partitions and retention"): PostgreSQL only, nothing on SQLite."""

from django.db import migrations

from aftersales.migration_operations import PartitionByMonth


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("parts", "0006_ticketpart_movement_no_db_constraint")]

    operations = [
        PartitionByMonth(table="parts_stockmovement", column="created_at"),
    ]
