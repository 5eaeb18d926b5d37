"""``Idempotency-Key`` support for create endpoints (the rules live in the service)."""

from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tickets.services import idempotent_create


class IdempotentCreateMixin:
    """Wraps ``perform_idempotent_create`` so a replayed key returns the first response.

    Subclasses implement ``create_response(request) -> (status, body)``.
    """

    def create(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            status, body = self.create_response(request)
            return Response(body, status=status)
        key = key.strip()
        if not key or len(key) > 255:
            raise ValidationError(
                {"Idempotency-Key": ["Use a non-empty key of at most 255 characters."]}
            )
        status, body, replayed = idempotent_create(
            user=request.user,
            key=key,
            endpoint=request.path,
            data=request.data,
            create=lambda: self.create_response(request),
        )
        response = Response(body, status=status)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response
