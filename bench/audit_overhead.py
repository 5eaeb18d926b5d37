"""The cost of auditing on the write path: ticket intake and a transition (triage) with
auditing on and off, side by side, and the ratio.

python -m bench.audit_overhead [--iterations N] [--rounds R]

"Off" means: no ``AuditEvent`` rows (the services' ``audit_record``/``audit_records`` and
the personal-data read recorder replaced by no-ops) and no safety-net snapshots (the
pghistory triggers disabled with ``ALTER TABLE ... DISABLE TRIGGER USER`` on the tracked
tables, re-enabled afterwards; foreign keys stay checked). The hash chain costs nothing
here: sealing runs apart (see the ``audit seal`` operation in ``make bench``). Rounds
alternate on/off so that drift (cache, autovacuum) hits both alike.
"""

import argparse
import os
import statistics
from contextlib import ExitStack, contextmanager
from unittest import mock


@contextmanager
def auditing_off():
    import importlib

    from django.db import connection

    from audits.history import TRACKED

    modules = [
        "tickets.services.intake",
        "tickets.services.lifecycle",
        "tickets.services.customers",
        "tickets.services.sweep",
        "tickets.services.notifications",
        "technicians.services.profiles",
        "technicians.services.certifications",
        "technicians.services.availability",
        "tickets.api.serializers",
        "tickets.views",
    ]
    tables = sorted({model.pgh_tracked_model._meta.db_table for model in TRACKED.values()})
    with ExitStack() as stack:
        for name in modules:
            module = importlib.import_module(name)
            for attr in ("audit_record", "audit_records", "audit_pii_read"):
                if hasattr(module, attr):
                    stack.enter_context(mock.patch.object(module, attr, lambda **kw: None))
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.bench")
    import django

    django.setup()
    from bench.context import Context
    from bench.harness import measure
    from bench.ops.tickets import ticket_intake, ticket_triage

    ctx = Context.build()
    samples = {}
    with ctx.floor_connection.cursor() as floor_cursor:
        for _ in range(args.rounds):
            for audited in (True, False):
                for factory in (ticket_intake, ticket_triage):
                    with ExitStack() as stack:
                        if not audited:
                            stack.enter_context(auditing_off())
                        op = factory(ctx)
                        op.iterations, op.floor = args.iterations, None
                        result = measure(op, floor_cursor)
                    key = (op.name, audited)
                    samples.setdefault(key, []).extend(result.samples)
                    print(f"  {op.name} audited={audited}: {result.median_ms:.2f} ms", flush=True)
    print()
    print("| operation | audited median ms | p95 | not audited median ms | p95 | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    from bench.harness import p95

    for name in dict.fromkeys(name for name, _ in samples):
        on, off = samples[(name, True)], samples[(name, False)]
        on_median, off_median = statistics.median(on), statistics.median(off)
        print(
            f"| {name} | {on_median:.2f} | {p95(on):.2f} | {off_median:.2f} | {p95(off):.2f} "
            f"| {on_median / off_median:.2f}× |"
        )


if __name__ == "__main__":
    main()
