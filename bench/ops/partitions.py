"""Partitions (issue 19 §5): the daily partition task over every partitioned table."""

from aftersales.platform.services import partitions_maintain
from bench.harness import Operation, operation


@operation
def partitions_maintain_daily(ctx):
    def run(i):
        result = partitions_maintain()
        assert not result["failed"], result
        return result

    return Operation(
        name="partition task: months ahead + retention, every partitioned table",
        run=run,
        iterations=20,
        note="nothing to create after the first run: the catalogue reads and the checks",
    )
