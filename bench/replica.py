"""The read replica measured (bench/README "Read replica (issue 19)").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench_replica \\
    DJANGO_SETTINGS_MODULE=aftersales.settings.bench .venv/bin/python -m bench.replica

Starts a streaming standby of this machine's PostgreSQL (bench/standby.py), points the
``replica`` alias at it, then:

1. KPI reports (the API, 30 days and 365 days by technician) with and without the replica:
   time and which server answered each query;
2. an intake load (the API's POST /tickets/, one thread) for ``--seconds`` while another
   thread reads KPI reports: where each side's queries went, and the replica's replay
   delay (for a sample of the primary's WAL positions, every 100 ms: the time until the
   standby replayed past it);
3. the replica stopped (``pg_ctl -m immediate``) between two checks: the first report
   (fails on the replica, marked down, run again on the primary), the next ones, and a
   fresh check against the dead port.
"""

import argparse
import datetime
import os
import statistics
import threading
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.bench")

import django

django.setup()

import psycopg2  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import DEFAULT_DB_ALIAS, connections  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from aftersales import replica  # noqa: E402
from bench.context import Context  # noqa: E402
from bench.standby import Standby  # noqa: E402

ALIASES = (DEFAULT_DB_ALIAS, replica.REPLICA)


def _ms(values):
    values = sorted(values)
    if not values:
        return "–", "–"
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return f"{statistics.median(values) * 1000:.1f}", f"{p95 * 1000:.1f}"


def _kpi(client, days):
    now = timezone.now()
    response = client.get(
        "/api/v1/reports/kpis/",
        {
            "from": (now - datetime.timedelta(days=days)).isoformat(),
            "to": now.isoformat(),
            "group_by": "technician",
        },
    )
    assert response.status_code == 200, response.content[:300]
    return response


def _counted(call):
    """(seconds, {alias: queries}) of ``call()`` in this thread (an execute wrapper: it
    counts without connecting, so a dead replica is not touched by the counting)."""
    counts = dict.fromkeys(ALIASES, 0)

    def counter(alias):
        def wrapper(execute, sql, params, many, context):
            counts[alias] += 1
            return execute(sql, params, many, context)

        return wrapper

    primary = connections[DEFAULT_DB_ALIAS].execute_wrapper(counter(DEFAULT_DB_ALIAS))
    standby = connections[replica.REPLICA].execute_wrapper(counter(replica.REPLICA))
    with primary, standby:
        started = time.perf_counter()
        call()
        took = time.perf_counter() - started
    return took, counts


def reports(ctx, repeat):
    print("\n## 1. KPI report: replica vs primary\n")
    print("| report | served by | median ms | p95 ms | queries primary / replica |")
    print("|---|---|---|---|---|")
    client = ctx.api["supervisor"]
    for days in (30, 365):
        for label, usable in (("replica", True), ("primary (replica marked down)", False)):
            replica.replica_reset()
            # Replica rows: measured every DATABASE_REPLICA_CHECK_SECONDS as in production;
            # primary rows: the replica marked down and not measured again meanwhile.
            check = settings.DATABASE_REPLICA_CHECK_SECONDS if usable else 3600
            with override_settings(DATABASE_REPLICA_CHECK_SECONDS=check):
                if not usable:
                    replica.replica_mark_down("bench: primary only")
                _kpi(client, days)  # warm
                times, counts = [], {}
                for _ in range(repeat):
                    took, counts = _counted(lambda d=days: _kpi(client, d))
                    times.append(took)
            median, p95 = _ms(times)
            print(
                f"| KPI {days} days | {label} | {median} | {p95} | "
                f"{counts[DEFAULT_DB_ALIAS]} / {counts[replica.REPLICA]} |"
            )
    replica.replica_reset()


class LagSampler(threading.Thread):
    """Every 100 ms a primary WAL position; the time until the standby replays past it."""

    def __init__(self, standby):
        super().__init__(daemon=True)
        self.standby, self.delays, self.stop = standby, [], threading.Event()
        self.bytes_behind = []

    def run(self):
        primary = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
        standby = psycopg2.connect(
            host="127.0.0.1", port=self.standby.port, user="postgres", dbname="postgres"
        )
        primary.autocommit = standby.autocommit = True
        pending, last_sample = [], 0.0
        with primary.cursor() as p, standby.cursor() as s:
            while not self.stop.is_set() or pending:
                now = time.monotonic()
                if not self.stop.is_set() and now - last_sample >= 0.1:
                    p.execute("SELECT pg_current_wal_lsn()")
                    pending.append((now, p.fetchone()[0]))
                    last_sample = now
                s.execute("SELECT pg_last_wal_replay_lsn()")
                (replayed,) = s.fetchone()
                if pending:
                    s.execute("SELECT pg_wal_lsn_diff(%s, %s)::bigint", (pending[-1][1], replayed))
                    self.bytes_behind.append(max(0, s.fetchone()[0]))
                    s.execute(
                        "SELECT count(*) FROM unnest(%s::pg_lsn[]) l WHERE l <= %s",
                        ([lsn for _, lsn in pending], replayed),
                    )
                    (done,) = s.fetchone()
                    at = time.monotonic()
                    for sampled_at, _ in pending[:done]:
                        self.delays.append(at - sampled_at)
                    pending = pending[done:]
                if self.stop.is_set() and time.monotonic() - now > 10:
                    break
                time.sleep(0.005)
        primary.close()
        standby.close()


def under_load(ctx, standby, seconds):
    print(f"\n## 2. Intake writes and KPI reads together, {seconds} s\n")
    results = {"intake": [], "kpi": []}
    results["intake_q"], results["kpi_q"] = dict.fromkeys(ALIASES, 0), dict.fromkeys(ALIASES, 0)
    deadline = time.monotonic() + seconds
    agent, customers = ctx.api["agent"], ctx.customer_ids

    def intake():
        i = 0
        while time.monotonic() < deadline:
            customer = customers[i % len(customers)]

            def post(c=customer):
                response = agent.post(
                    "/api/v1/tickets/",
                    {
                        "customer": c,
                        "product": c,
                        "channel": "phone",
                        "category": "repair",
                        "description": "Benchmark: replica lag under intake",
                    },
                    format="json",
                )
                assert response.status_code == 201, response.content[:300]

            took, counts = _counted(post)
            results["intake"].append(took)
            for alias in ALIASES:
                results["intake_q"][alias] += counts[alias]
            i += 1
        connections.close_all()

    sampler = LagSampler(standby)
    sampler.start()
    writer = threading.Thread(target=intake)
    writer.start()
    client = ctx.api["supervisor"]
    while time.monotonic() < deadline:
        took, counts = _counted(lambda: _kpi(client, 30))
        results["kpi"].append(took)
        for alias in ALIASES:
            results["kpi_q"][alias] += counts[alias]
    writer.join()
    sampler.stop.set()
    sampler.join()
    print("| side | calls | per s | median ms | p95 ms | queries primary / replica |")
    print("|---|---|---|---|---|---|")
    for side in ("intake", "kpi"):
        median, p95 = _ms(results[side])
        q = results[f"{side}_q"]
        label = "intake (POST /tickets/)" if side == "intake" else "KPI 30 days (GET)"
        print(
            f"| {label} | {len(results[side])} | {len(results[side]) / seconds:.1f} | "
            f"{median} | {p95} | {q[DEFAULT_DB_ALIAS]} / {q[replica.REPLICA]} |"
        )
    delays = sorted(sampler.delays)
    median, p95 = _ms(delays)
    worst = f"{delays[-1] * 1000:.1f}" if delays else "–"
    behind = sorted(sampler.bytes_behind)
    print(
        f"\nReplay delay of {len(delays)} WAL samples: median {median} ms, p95 {p95} ms, "
        f"max {worst} ms; bytes behind median {statistics.median(behind) if behind else 0:.0f},"
        f" max {behind[-1] if behind else 0}. {replica.replica_status()}"
    )


def stopped(ctx, standby):
    print("\n## 3. The replica stopped between two checks\n")
    client = ctx.api["supervisor"]
    replica.replica_reset()
    assert replica.replica_usable(refresh=True)
    _kpi(client, 30)
    standby.stop()
    rows = []
    took, counts = _counted(lambda: _kpi(client, 30))
    rows.append(("first report after the stop (replica fails, retried on primary)", took, counts))
    for n in range(3):
        took, counts = _counted(lambda: _kpi(client, 30))
        rows.append((f"next report {n + 1} (marked down: primary)", took, counts))
    started = time.perf_counter()
    usable = replica.replica_usable(refresh=True)
    check = time.perf_counter() - started
    print("| call | ms | queries primary / replica |")
    print("|---|---|---|")
    for label, took, counts in rows:
        print(
            f"| {label} | {took * 1000:.1f} | "
            f"{counts[DEFAULT_DB_ALIAS]} / {counts[replica.REPLICA]} |"
        )
    print(f"| a fresh check of the dead replica (usable={usable}) | {check * 1000:.1f} | – |")
    print(f"\n{replica.replica_status()}")
    standby.resume_server()
    took = standby.wait_caught_up(timeout=120)
    usable = replica.replica_usable(refresh=True)
    print(f"\nStarted again: caught up in {took:.2f} s, usable={usable}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    started = time.monotonic()
    standby = Standby().start()
    took = time.monotonic() - started
    print(f"Standby on port {standby.port}: base backup and start {took:.1f} s")
    try:
        connections.settings[replica.REPLICA] = standby.settings_for(
            connections[DEFAULT_DB_ALIAS].settings_dict
        )
        ctx = Context.build()
        print(f"Load: {os.getloadavg()}")
        reports(ctx, args.repeat)
        under_load(ctx, standby, args.seconds)
        stopped(ctx, standby)
        print(f"\nLoad: {os.getloadavg()}")
    finally:
        connections.close_all()
        standby.cleanup()


if __name__ == "__main__":
    main()
