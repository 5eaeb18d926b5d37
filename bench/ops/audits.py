"""Audit operations: the KPI report over the whole table and a week, sealing the chain."""

import datetime

from django.utils import timezone

from audits.chain import audit_seal
from bench.harness import Operation, operation

KPI_FLOOR = """
WITH o AS (
  SELECT technician_id AS k, count(*) AS opened,
         count(*) FILTER (WHERE category = 'complaint') AS complaints,
         count(*) FILTER (WHERE responded_at IS NOT NULL
                            OR response_due_at < COALESCE(sla_paused_at, now())) AS rd,
         count(*) FILTER (WHERE responded_at IS NOT NULL
                            AND response_due_at >= COALESCE(responded_at, cancelled_at)) AS rm,
         count(*) FILTER (WHERE dispatched_at IS NOT NULL OR completed_at IS NOT NULL
                            OR dispatch_due_at < COALESCE(sla_paused_at, now())) AS dd,
         count(*) FILTER (WHERE (dispatched_at IS NOT NULL OR completed_at IS NOT NULL)
                            AND dispatch_due_at >= COALESCE(dispatched_at, completed_at,
                                                            cancelled_at)) AS dm
  FROM tickets_ticket WHERE created_at >= %(start)s AND created_at < %(end)s GROUP BY 1
), c AS (
  SELECT t.technician_id AS k, count(*) AS closed,
         count(*) FILTER (WHERE t.confirmations_refused = 0
           AND NOT EXISTS (
             SELECT 1 FROM tickets_ticket r WHERE r.product_id = t.product_id
             AND r.created_at > t.completed_at
             AND r.created_at <= t.completed_at + interval '30 days')
         ) AS ftf,
         avg(COALESCE(t.follow_up_satisfaction, t.satisfaction)) AS sat,
         count(*) FILTER (WHERE t.fault_code <> '' AND t.confirmation_signature <> ''
           AND COALESCE(t.follow_up_satisfaction, t.satisfaction) IS NOT NULL) AS complete
  FROM tickets_ticket t WHERE t.closed_at >= %(start)s AND t.closed_at < %(end)s GROUP BY 1
)
SELECT * FROM o FULL JOIN c USING (k)
"""


def _kpi_op(ctx, *, name, days, group_by, iterations):
    client = ctx.api["auditor"]
    end = timezone.now()
    start = end - datetime.timedelta(days=days)
    params = {"from": start.isoformat(), "to": end.isoformat(), "group_by": group_by}

    def run(i):
        response = client.get("/api/v1/reports/kpis/", params)
        assert response.status_code == 200, response.content[:500]
        return response

    floor = None
    if group_by == "technician":

        def floor(cursor, i):
            cursor.execute(KPI_FLOOR, {"start": start, "end": end})
            return cursor.fetchall()

    return Operation(name=name, run=run, floor=floor, iterations=iterations)


@operation
def kpi_all(ctx):
    return _kpi_op(
        ctx,
        name="KPI report, all 1M tickets (2 years), by technician (API)",
        days=800,
        group_by="technician",
        iterations=5,
    )


@operation
def kpi_all_by_area(ctx):
    return _kpi_op(
        ctx,
        name="KPI report, all 1M tickets (2 years), by area (API)",
        days=800,
        group_by="area",
        iterations=5,
    )


@operation
def kpi_week(ctx):
    return _kpi_op(
        ctx,
        name="KPI report, last 7 days, by technician (API)",
        days=7,
        group_by="technician",
        iterations=20,
    )


@operation
def audit_seal_batch(ctx):
    return Operation(
        name="audit seal, 1,000 events into the hash chain",
        run=lambda i: audit_seal(batch_size=1000, max_batches=1),
        iterations=20,
    )
