"""``make bench``: run every registered operation against the bench database, print a table.

python -m bench.run [--only FACTORY_SUBSTRING] [--iterations N] [--out FILE]
"""

import argparse
import os
import sys
import time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help=(
            "run only operations whose factory name (e.g. ticket_list_newest, kpi_all, "
            "stock_levels_by_part) contains this, case-insensitive (repeatable); the others "
            "are not even set up"
        ),
    )
    parser.add_argument("--iterations", type=int, default=None, help="override every op's")
    parser.add_argument(
        "--floor-iterations",
        type=int,
        default=None,
        help="time each SQL floor at most N times after one warm-up (the 10M table)",
    )
    parser.add_argument("--out", default=None, help="also write the table to this file")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.bench")
    import django

    django.setup()
    from aftersales.gc_tuning import gc_tune

    threshold = gc_tune()  # as the web and worker processes run (PYTHON_GC_THRESHOLD)
    from django.db import connection

    from bench import ops  # noqa: F401  (registers the operations)
    from bench.context import Context
    from bench.harness import REGISTRY, framework_floors, measure, table

    if connection.vendor != "postgresql":
        sys.exit("The benchmarks run on PostgreSQL: set DATABASE_URL (see bench/README.md).")
    ctx = Context.build()
    print(
        f"Database {connection.settings_dict['NAME']}: ~{ctx.ticket_count:,} tickets;"
        f" gc thresholds {threshold}"
    )
    floors = framework_floors(ctx)
    print(
        f"Framework floor: API {floors['api']:.2f} ms, page {floors['page']:.2f} ms "
        "(median of 200; bench/urls.py)"
    )
    results = []
    with ctx.floor_connection.cursor() as floor_cursor:
        wanted = [s.lower().replace(" ", "_") for s in args.only]
        for factory in REGISTRY:
            # Filter before building: some set-ups are heavy (the SLA sweep's touches every
            # ticket, the parts data builds 5 million levels).
            if wanted and not any(s in factory.__name__.lower() for s in wanted):
                continue
            op = factory(ctx)
            if args.iterations:
                op.iterations = args.iterations
            started = time.perf_counter()
            result = measure(op, floor_cursor, floors, floor_iterations=args.floor_iterations)
            results.append(result)
            print(
                f"  {op.name}: median {result.median_ms:.2f} ms, p95 {result.p95_ms:.2f} ms"
                f" ({time.perf_counter() - started:.1f} s)",
                flush=True,
            )
    output = table(results)
    print()
    print(output)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(output + "\n")


if __name__ == "__main__":
    main()
