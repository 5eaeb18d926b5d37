"""The benchmark harness: operations measured side by side with their two floors.

An operation is a callable run ``iterations`` times in-process (the Django test client
goes through the whole middleware/DRF stack, minus the socket), timed with
``perf_counter``. Its **SQL floor** is the same result produced by one hand-written SQL
statement through a separate psycopg2 connection; its **framework floor** is the fixed
cost of a request of its kind with no work of its own (``bench/urls.py``: an
authenticated DRF endpoint or a signed-in page returning a constant body), measured once
per run. The ratio is the median over the larger of the two: what the operation costs
beyond what it cannot avoid. Each issue adds its operations in ``bench/ops/`` with the
``operation`` decorator.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass
class Operation:
    name: str
    run: Callable[[int], object]
    floor: Callable[[object, int], object] | None = None
    iterations: int = 100
    note: str = ""
    # Untimed set-up before each call (e.g. make the next 1,000 tickets due).
    prepare: Callable[[int], object] | None = None
    # "api" or "page": the framework floor it is held against; None for in-process
    # service calls. Left unset, it follows the name: "(API…)" or "(HTML…)"/"htmx".
    kind: str | None = None

    def __post_init__(self):
        if self.kind is None:
            if "(API" in self.name:
                self.kind = "api"
            elif "(HTML" in self.name or "htmx" in self.name:
                self.kind = "page"


@dataclass
class Result:
    name: str
    median_ms: float
    p95_ms: float
    per_second: float
    queries: int
    floor_median_ms: float | None
    note: str = ""
    samples: list = field(default_factory=list, repr=False)
    framework_floor_ms: float | None = None

    @property
    def larger_floor_ms(self):
        floors = [f for f in (self.floor_median_ms, self.framework_floor_ms) if f]
        return max(floors) if floors else None

    @property
    def ratio(self):
        """Median over the larger of the SQL floor and the framework floor."""
        larger = self.larger_floor_ms
        return self.median_ms / larger if larger else None


REGISTRY: list[Callable[[object], Operation]] = []


def operation(factory):
    """Register ``factory(ctx) -> Operation``; factories run after the data is loaded."""
    REGISTRY.append(factory)
    return factory


def _warm(call, warmup=3, prepare=None):
    for i in range(warmup):
        if prepare:
            prepare(-1 - i)
        call(-1 - i)


def _time(call, iterations, prepare=None):
    samples = []
    for i in range(iterations):
        if prepare:
            prepare(i)
        started = time.perf_counter()
        call(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p95(samples):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(op, floor_cursor, framework_floors=None, floor_iterations=None):
    _warm(op.run, prepare=op.prepare)  # steady state before counting and timing
    if op.prepare:
        op.prepare(10_000)
    with CaptureQueriesContext(connection) as queries:
        op.run(10_000)  # one extra call to count the queries it makes
    query_count = len(queries)  # now: the next request_started resets the query log
    samples = _time(op.run, op.iterations, prepare=op.prepare)
    floor_median = None
    if op.floor is not None:
        # ``floor_iterations`` caps the floor's calls (one warm-up): at 10M tickets some
        # floors (the live KPI aggregate over two years) take a minute each.
        _warm(lambda i: op.floor(floor_cursor, i), warmup=1 if floor_iterations else 3)
        floor_samples = _time(
            lambda i: op.floor(floor_cursor, i),
            min(op.iterations, floor_iterations or op.iterations),
        )
        floor_median = statistics.median(floor_samples)
    return Result(
        name=op.name,
        median_ms=statistics.median(samples),
        p95_ms=p95(samples),
        per_second=1000 / statistics.mean(samples),
        queries=query_count,
        floor_median_ms=floor_median,
        note=op.note,
        samples=samples,
        framework_floor_ms=(framework_floors or {}).get(op.kind),
    )


def table(results):
    lines = [
        "| operation | median ms | p95 ms | ops/s (1 client) | queries/call "
        "| SQL floor ms | framework floor ms | ratio to the larger |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        floor = f"{r.floor_median_ms:.2f}" if r.floor_median_ms else "–"
        framework = f"{r.framework_floor_ms:.2f}" if r.framework_floor_ms else "–"
        ratio = f"{r.ratio:.1f}×" if r.ratio else "–"
        lines.append(
            f"| {r.name} | {r.median_ms:.2f} | {r.p95_ms:.2f} | {r.per_second:.0f} | "
            f"{r.queries} | {floor} | {framework} | {ratio} |"
        )
    return "\n".join(lines)


def framework_floors(ctx, iterations=200):
    """The fixed cost of an API request (the agent's sign-in token) and of a signed-in
    page (the agent's session) through the whole stack, returning a constant body
    (``bench/urls.py``); median ms of ``iterations`` calls after a warm-up."""

    def api(i):
        response = ctx.api["agent"].get("/api/v1/bench/framework-floor/")
        assert response.status_code == 200, response.status_code

    def page(i):
        response = ctx.page.get("/bench/framework-floor/")
        assert response.status_code == 200, response.status_code

    floors = {}
    for kind, call in (("api", api), ("page", page)):
        _warm(call, warmup=20)
        floors[kind] = statistics.median(_time(call, iterations))
    return floors
