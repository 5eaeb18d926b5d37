"""Bulk import and export at scale (README "Bulk import and export", bench/README.md):

- ``export``: ``GET /api/v1/exports/tickets/?format=csv|xlsx`` of every ticket in the bench
  database (1,000,000 after ``make bench-data``) through Django's whole stack (middleware,
  DRF, the streaming response), signed in as a supervisor with a token; the body is read
  as a client would and thrown away. Prints rows, bytes, seconds and this process's RSS
  before, sampled while streaming, and its peak (``ru_maxrss``): this process *is* the
  one streaming.
- ``import``: 100,000 new customers as a UTF-8 CSV through ``bulk_import`` (dry run, then
  apply inside a transaction that is rolled back, so the bench database is left as it
  was; the apply's COMMIT is the one thing not timed).

    python -m bench.bulk export [--format csv|xlsx] [--query "created_after=…"]
    python -m bench.bulk import [--rows 100000] [--mode dry_run|apply]
"""

import argparse
import os
import resource
import sys
import time


def _rss_mib():
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _cpu_s():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _supervisor():
    from django.contrib.auth import get_user_model

    from aftersales.roles import Role

    user = get_user_model().objects.filter(groups__name=Role.SUPERVISOR).order_by("pk").first()
    if user is None:
        sys.exit("No supervisor: run `make bench-data` first.")
    return user


def export(fmt, query=""):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from tickets.models import Ticket

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=_supervisor())
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    count = Ticket.objects.count() if not query else None
    before = _rss_mib()
    cpu = _cpu_s()
    started = time.perf_counter()
    response = client.get(f"/api/v1/exports/tickets/?format={fmt}&{query}")
    assert response.status_code == 200, response.status_code
    first = None
    size, samples, lines = 0, [], 0
    for n, chunk in enumerate(response.streaming_content):
        if first is None:
            first = time.perf_counter() - started
        size += len(chunk)
        lines += chunk.count(b"\n") if fmt == "csv" else 0
        if n % 200 == 0:
            samples.append(_rss_mib())
    response.close()
    elapsed = time.perf_counter() - started
    rows = lines - 1 if fmt == "csv" else count
    shown = f"{rows:,} rows" if rows is not None else f"the tickets of ?{query}"
    print(f"export tickets as {fmt}: {shown}, {size / 2**20:,.1f} MiB")
    print(
        f"  {elapsed:,.1f} s in all ({_cpu_s() - cpu:,.1f} s of this process's CPU), first "
        f"byte after {first:,.2f} s" + (f", {rows / elapsed:,.0f} rows/s" if rows else "")
    )
    print(
        f"  RSS {before:,.0f} MiB before, {min(samples):,.0f}–{max(samples):,.0f} MiB while "
        f"streaming, peak {_peak_mib():,.0f} MiB"
    )


def import_customers(rows, modes):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from tickets.bulk.imports import KINDS, bulk_import
    from tickets.models import Customer

    # Numbers the generator never hands out (its customers are 13x/15x/18x).
    lines = ["name,phone,email,address,tier"]
    lines += [
        f"客户{i},199{i:08d},c{i}@example.com,{i} Century Avenue,{'vip' if i % 10 == 0 else ''}"
        for i in range(rows)
    ]
    content = ("\n".join(lines) + "\n").encode()
    assert not Customer.objects.filter(phone__startswith="199").exists(), "199… numbers taken"
    supervisor = _supervisor()
    for mode in modes:
        upload = SimpleUploadedFile("customers.csv", content)
        cpu = _cpu_s()
        started = time.perf_counter()
        with transaction.atomic():
            report = bulk_import(
                actor=supervisor, kind=KINDS["customers"], file=upload, mode=mode, filename="b"
            )
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)  # leave the bench database as it was
        assert not report.errors, report.errors[:5]
        print(
            f"import {rows:,} customers, {mode}: {elapsed:,.1f} s ({rows / elapsed:,.0f} rows/s, "
            f"{_cpu_s() - cpu:,.1f} s of this process's CPU), created {report.created:,}, "
            f"peak RSS {_peak_mib():,.0f} MiB"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["export", "import"])
    parser.add_argument("--format", default="csv", choices=["csv", "xlsx"])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--query", default="", help="the export's filters, e.g. status=new")
    parser.add_argument(
        "--mode", action="append", choices=["dry_run", "apply"], help="default: both"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.bench")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql" or "bench" not in connection.settings_dict["NAME"]:
        sys.exit("Run against the bench database (DATABASE_URL=…/aftersales_bench…).")
    settings.BULK_IMPORT_MAX_ROWS = max(settings.BULK_IMPORT_MAX_ROWS, args.rows)
    if args.what == "export":
        export(args.format, args.query)
    else:
        import_customers(args.rows, args.mode or ["dry_run", "apply"])


if __name__ == "__main__":
    main()
