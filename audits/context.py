"""Where a change came from (web, api, admin, worker, command), carried per thread/task.

Adapters set it at their edge (a middleware for HTTP, the task base for Celery, the
command base for management commands); ``audit_record`` reads it. Inside an HTTP request
the context also collects the reads of unmasked personal data, written in one INSERT
when the response is ready (``audits.services.pii_reads_flush``).
"""

import contextvars
import types
from contextlib import contextmanager

from .choices import AuditSource

_DEFAULT = types.MappingProxyType({"source": AuditSource.SYSTEM, "request_id": "", "ip": None})
_context = contextvars.ContextVar("audit_context", default=_DEFAULT)
_pii_reads = contextvars.ContextVar("audit_pii_reads", default=None)


def current():
    return _context.get()


def pii_reads():
    """The current request's collector of unmasked-data reads, or None outside one."""
    return _pii_reads.get()


@contextmanager
def audit_context(*, source, request_id="", ip=None):
    token = _context.set({"source": source, "request_id": request_id, "ip": ip})
    try:
        yield
    finally:
        _context.reset(token)


@contextmanager
def collecting_pii_reads():
    collector = {"reads": [], "seen": set()}
    token = _pii_reads.set(collector)
    try:
        yield collector
    finally:
        _pii_reads.reset(token)
