"""Probes for the load balancer and the compose file.

Served by ``HealthProbeMiddleware``, first in the chain, so that a probe from the load
balancer or the container's own healthcheck needs neither an allowed ``Host`` nor HTTPS.

``/healthz``: the process answers (no dependency is touched). ``/readyz``: the database
answers and every migration is applied — without those a request can only fail, so the
answer is 503 — and, reported but not failing (the platform degrades instead: reads fall
back to the database, deliveries wait in their outbox), the broker, the cache, how far
the SLA sweep lags behind its oldest due ticket and, when one is configured, the read
replica (down or lagging: reports are read from the primary, aftersales.replica).
"""

import time

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from aftersales.replica import replica_configured, replica_status, replica_usable
from tickets.models import Ticket


def _timed(check):
    started = time.perf_counter()
    try:
        detail = check()
        ok = True
    except Exception as exc:  # a probe reports every failure, whatever its kind
        detail, ok = f"{type(exc).__name__}: {exc}"[:200], False
    return {"ok": ok, "ms": round((time.perf_counter() - started) * 1000, 1), "detail": detail}


def _database():
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    return "answers"


def _migrations():
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise RuntimeError(f"{len(pending)} migrations not applied")
    return "applied"


def _broker():
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)
    return "answers"


def _cache():
    # django-redis swallows errors (the cache is optional): read back what was written.
    key = "aftersales:readyz"
    token = str(time.time_ns())
    cache.set(key, token, 10)
    if cache.get(key) != token:
        raise RuntimeError("the cache did not keep a value")
    return "answers"


def _sweep_lag():
    oldest = (
        Ticket.objects.filter(next_sla_check_at__lte=timezone.now())
        .order_by("next_sla_check_at")
        .values_list("next_sla_check_at", flat=True)
        .first()
    )
    lag = 0 if oldest is None else (timezone.now() - oldest).total_seconds()
    if lag > settings.READYZ_SWEEP_LAG_SECONDS:
        raise RuntimeError(f"the SLA sweep lags {lag:.0f} s behind")
    return f"{lag:.0f} s"


def _replica():
    replica_usable(refresh=True)
    state = replica_status()
    counters = f"{state['replica_reads']} reads served, {state['fallbacks']} fell back"
    if not state["usable"]:
        raise RuntimeError(f"{state['detail']} ({counters})")
    return f"{state['detail']} ({counters})"


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    essential = {"database": _timed(_database)}
    if essential["database"]["ok"]:
        essential["migrations"] = _timed(_migrations)
    degradable = {"broker": _timed(_broker), "cache": _timed(_cache)}
    if essential["database"]["ok"]:
        degradable["sla_sweep"] = _timed(_sweep_lag)
    if replica_configured():
        # Reports fall back to the primary without it: degraded, never unavailable.
        degradable["replica"] = _timed(_replica)
    ready = all(c["ok"] for c in essential.values())
    status = "ready" if ready else "unavailable"
    if ready and not all(c["ok"] for c in degradable.values()):
        status = "degraded"
    return JsonResponse(
        {"status": status, "checks": {**essential, **degradable}}, status=200 if ready else 503
    )


PROBES = {"/healthz": healthz, "/readyz": readyz}


class HealthProbeMiddleware:
    """Answers ``GET /healthz`` and ``GET /readyz`` before any other middleware runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)
