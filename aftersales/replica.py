"""Reads that may be served by a streaming read replica (README "Scale-out").

Django's routers route by model, and the same model is read by a ticket's page (which
must see the write it just made) and by a month's KPI report (which can be a few seconds
behind). So the choice is a scope, not a model: code that reads for a report, an export
or a KPI runs inside ``reading_from_replica()`` (or under ``@replica_reads``) and
``ReplicaRouter.db_for_read`` sends its queries to the ``replica`` alias, when

- one is configured (``DATABASE_REPLICA_URL``),
- the primary's connection is not inside an atomic block (a transaction reads what it
  wrote, so its reads stay on the primary),
- and the replica is *usable*: it answers (a short connect timeout) and lags at most
  ``DATABASE_REPLICA_MAX_LAG_SECONDS`` behind. The state is measured at most every
  ``DATABASE_REPLICA_CHECK_SECONDS`` per process and kept meanwhile.

Otherwise the reads fall back to the primary; every change of state is logged (logger
``aftersales.replica``), and ``replica_status()`` (``/readyz``) counts the fallbacks.
A function under ``@replica_reads`` that fails with a database error on the replica (it
died between two checks) is marked down and run once more on the primary: a report
answers, late, rather than a 500. Writes always go to the primary, and the replica is
never migrated.
"""

import contextlib
import contextvars
import functools
import logging
import threading
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger("aftersales.replica")

REPLICA = "replica"

# None outside any scope; inside, a dict: {"used": bool, "primary_only": bool}.
_scope = contextvars.ContextVar("aftersales_replica_scope", default=None)
_lock = threading.Lock()
_state = {"checked_at": None, "usable": False, "detail": "not checked", "lag": None}
_counters = {"fallbacks": 0, "replica_reads": 0, "retries": 0}

# Caught up when everything received is replayed (an idle primary sends nothing, so the
# time since the last replayed commit grows without the replica falling behind);
# otherwise the lag is the age of the last replayed commit.
LAG_SQL = (
    "SELECT pg_is_in_recovery(),"
    " CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


def replica_configured():
    return REPLICA in connections.settings


def _check():
    """Measure the replica now: (usable, detail, lag seconds or None)."""
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            in_recovery, lag = cursor.fetchone()
    except DatabaseError as exc:
        connection.close()
        return False, f"down: {type(exc).__name__}: {str(exc).strip()[:160]}", None
    lag = float(lag)
    if not in_recovery:
        return False, "not a standby (pg_is_in_recovery() is false)", None
    if lag > settings.DATABASE_REPLICA_MAX_LAG_SECONDS:
        return False, f"lagging {lag:.1f} s (> {settings.DATABASE_REPLICA_MAX_LAG_SECONDS} s)", lag
    return True, f"streaming, {lag:.1f} s behind", lag


def _set_state(usable, detail, lag):
    previous = _state["usable"], _state["checked_at"]
    _state.update(checked_at=time.monotonic(), usable=usable, detail=detail, lag=lag)
    if previous[1] is None or previous[0] != usable:
        if usable:
            logger.info("replica in use: %s", detail)
        else:
            logger.warning("replica not used, reads fall back to the primary: %s", detail)


def replica_usable(*, refresh=False):
    """Whether report reads may go to the replica now (measured at most every
    DATABASE_REPLICA_CHECK_SECONDS; ``refresh`` measures now)."""
    if not replica_configured():
        return False
    with _lock:
        checked_at = _state["checked_at"]
        fresh = (
            checked_at is not None
            and time.monotonic() - checked_at < settings.DATABASE_REPLICA_CHECK_SECONDS
        )
        if refresh or not fresh:
            _set_state(*_check())
        return _state["usable"]


def replica_mark_down(reason):
    """The replica failed a query: reads go to the primary until the next check."""
    with _lock:
        _set_state(False, f"down: {reason}"[:200], None)
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()


def replica_status():
    """What /readyz reports: configured, usable, the last measure and the counters."""
    if not replica_configured():
        return {"configured": False}
    usable = replica_usable()
    return {
        "configured": True,
        "usable": usable,
        "detail": _state["detail"],
        "lag_seconds": _state["lag"],
        **_counters,
    }


def replica_reset():
    """Forget the measured state and the counters (tests, and a reconfigured replica)."""
    with _lock:
        _state.update(checked_at=None, usable=False, detail="not checked", lag=None)
        for key in _counters:
            _counters[key] = 0


@contextlib.contextmanager
def reading_from_replica():
    """Reads inside this block may be served by the replica (see the module's docstring)."""
    outer = _scope.get()
    token = _scope.set({"used": False, "primary_only": bool(outer and outer["primary_only"])})
    try:
        yield
    finally:
        _scope.reset(token)


def read_alias():
    """The alias the reads of the current scope go to (raw SQL uses
    ``connections[read_alias()]``): the replica inside a replica scope when it may serve
    them, else the primary."""
    scope = _scope.get()
    if scope is None or scope["primary_only"] or not replica_configured():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    if not replica_usable():
        _counters["fallbacks"] += 1
        return DEFAULT_DB_ALIAS
    scope["used"] = True
    _counters["replica_reads"] += 1
    return REPLICA


def replica_reads(function):
    """Run ``function`` (a read: a selector, a report) inside ``reading_from_replica()``;
    if the replica fails under it, mark it down and run it once more on the primary."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with reading_from_replica():
            try:
                return function(*args, **kwargs)
            except DatabaseError as exc:
                if not _scope.get()["used"]:
                    raise
                replica_mark_down(f"{type(exc).__name__}: {str(exc).strip()[:120]}")
                _counters["retries"] += 1
        token = _scope.set({"used": False, "primary_only": True})
        try:
            return function(*args, **kwargs)
        finally:
            _scope.reset(token)

    return wrapper


class ReplicaRouter:
    """Report reads in a replica scope to the replica; everything else to the primary."""

    def db_for_read(self, model, **hints):
        alias = read_alias()
        return None if alias == DEFAULT_DB_ALIAS else alias

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows, on either server

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
