"""The monthly partitions of the growing tables (README "Partitions and retention"):
months created ahead, and the retention rules that drop whole expired months.

Which tables: every range-partitioned table of the schema (the migrations convert them,
``aftersales.migration_operations.PartitionByMonth``). What may be dropped, and after how
many months, is declared here and nowhere else:

- notifications (``platform_notification``) after ``NOTIFICATION_RETENTION_MONTHS`` and
  webhook deliveries (``tickets_webhookdelivery``) after
  ``WEBHOOK_DELIVERY_RETENTION_MONTHS``: a month still holding a pending row waits;
- history snapshots (``audits_*history``) after ``HISTORY_RETENTION_MONTHS``;
- audit events, ticket events and stock movements: never (the audit chain, the
  timelines and the stock ledger are kept whole; no archive exists yet).

A retention of 0 keeps every month. Each dropped month is one audit event
(``partition.drop``) in the transaction that drops it.
"""

import logging
import re

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from aftersales import partitioning
from audits.services import audit_record

log = logging.getLogger(__name__)

_HISTORY = re.compile(r"^audits_[a-z]+history$")
# The tables whose months wait while a row is still to be delivered.
_PENDING = {"platform_notification", "tickets_webhookdelivery"}


def retention_months(table):
    """How many whole months ``table`` keeps (0: every month, never dropped)."""
    if table == "platform_notification":
        return settings.NOTIFICATION_RETENTION_MONTHS
    if table == "tickets_webhookdelivery":
        return settings.WEBHOOK_DELIVERY_RETENTION_MONTHS
    if _HISTORY.match(table):
        return settings.HISTORY_RETENTION_MONTHS
    return 0  # audit events, ticket events, stock movements: kept


def partitions_maintain(*, now=None):
    """Create each partitioned table's months up to ``PARTITIONS_AHEAD_MONTHS`` after the
    current one, then drop the months its retention rule lets go (one transaction per
    table). Returns ``{"created": [...], "dropped": [...], "waiting": [...], "failed":
    [...]}`` (partition names); nothing on a database without partitions (SQLite)."""
    result = {"created": [], "dropped": [], "waiting": [], "failed": []}
    if connection.vendor != "postgresql":
        return result
    this_month = partitioning.month_start(now or timezone.now())
    with connection.cursor() as cursor:
        tables = partitioning.partitioned_tables(cursor)
    for table in sorted(tables):
        with transaction.atomic():
            _create_ahead(table, this_month, result)
            keep = retention_months(table)
            if keep > 0:
                _drop_expired(table, partitioning.add_months(this_month, -keep), keep, result)
    return result


def _create_ahead(table, this_month, result):
    with connection.cursor() as cursor:
        for n in range(settings.PARTITIONS_AHEAD_MONTHS + 1):
            month = partitioning.add_months(this_month, n)
            name = partitioning.partition_name(table, month)
            try:
                with transaction.atomic():
                    if partitioning.create_month(cursor, table, month):
                        result["created"].append(name)
            except DatabaseError as error:  # the default partition holds rows of that month
                log.error("partition %s not created: %s", name, error)
                result["failed"].append(name)


def _drop_expired(table, cutoff, keep, result):
    """Drop the months of ``table`` that ended on or before ``cutoff``."""
    with connection.cursor() as cursor:
        for month, name in partitioning.months(cursor, table).items():
            if partitioning.add_months(month, 1) > cutoff:
                continue
            if table in _PENDING:
                # A partition name read from the catalog, not from input.
                pending = f'SELECT EXISTS (SELECT 1 FROM "{name}" WHERE status = %s)'  # nosec B608
                cursor.execute(pending, ["pending"])
                if cursor.fetchone()[0]:
                    result["waiting"].append(name)
                    continue
            rows = partitioning.drop_month(cursor, table, month)
            audit_record(
                actor=None,
                action="partition.drop",
                object_type="partition",
                object_id=name,
                changes={
                    "table": table,
                    "month": month.isoformat(),
                    "rows": rows,
                    "retention_months": keep,
                },
            )
            result["dropped"].append(name)
