"""Tags every HTTP request with its audit source, request id and client address."""

import uuid

from aftersales.http import client_ip

from .choices import AuditSource
from .context import audit_context, collecting_pii_reads
from .services import pii_reads_flush


class AuditContextMiddleware:
    """Sets the audit context for the request and writes its unmasked-data reads at the end.

    The reads are written once the response is built (one INSERT for the whole page or
    list), in their own transaction: a read happened even if the view's writes rolled back.
    """

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
        # The address as far as we trust it (TRUSTED_PROXY_COUNT): a forged
        # X-Forwarded-For does not reach the trail.
        with (
            audit_context(source=source, request_id=request_id, ip=client_ip(request)),
            collecting_pii_reads() as reads,
        ):
            response = self.get_response(request)
            pii_reads_flush(reads)
        response["X-Request-ID"] = request_id
        return response
