"""Where a change came from (web, api, admin, worker, command), carried per thread/task.

Adapters set it at their edge (a middleware for HTTP, the task base for Celery, the
command base for management commands); ``audit_record`` reads it.
"""

import contextvars
import types
from contextlib import contextmanager

from .choices import AuditSource

_DEFAULT = types.MappingProxyType({"source": AuditSource.SYSTEM, "request_id": "", "ip": None})
_context = contextvars.ContextVar("audit_context", default=_DEFAULT)


def current():
    return _context.get()


@contextmanager
def audit_context(*, source, request_id="", ip=None):
    token = _context.set({"source": source, "request_id": request_id, "ip": ip})
    try:
        yield
    finally:
        _context.reset(token)
