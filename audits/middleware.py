"""Tags every HTTP request with its audit source, request id and client address."""

import uuid

from .choices import AuditSource
from .context import audit_context


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/api/"):
            source = AuditSource.API
        elif path.startswith("/admin/"):
            source = AuditSource.ADMIN
        else:
            source = AuditSource.WEB
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy
        # rewrites it, and the reverse proxy in front is configured to set REMOTE_ADDR.
        with audit_context(
            source=source, request_id=request_id, ip=request.META.get("REMOTE_ADDR")
        ):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
