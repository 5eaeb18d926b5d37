"""``Idempotency-Key`` support for create endpoints (the rules live in the service)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from aftersales.platform.services import idempotent_create

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    # What ``create`` takes: 1 to 255 characters once trimmed (visible ASCII in a header).
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[!-~]([ -~]{0,253}[!-~])?$"},
    OpenApiParameter.HEADER,
    description="Replaying the same key with the same body returns the first result.",
)


class IdempotentCreateMixin:
    """Wraps ``perform_idempotent_create`` so a replayed key returns the first response.

    Subclasses name the service that creates (``create_service``, called with
    ``actor=`` and the serializer's validated data) or implement
    ``create_response(request) -> (status, body)`` themselves.
    """

    create_service = None

    def create_response(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = type(self).create_service(actor=request.user, **serializer.validated_data)
        return status.HTTP_201_CREATED, self.get_serializer(created).data

    @extend_schema(parameters=[IDEMPOTENCY_KEY])  # documented once, for every create
    def create(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            code, body = self.create_response(request)
            return Response(body, status=code)
        key = key.strip()
        if not key or len(key) > 255:
            raise ValidationError(
                {"Idempotency-Key": ["Use a non-empty key of at most 255 characters."]}
            )
        code, body, replayed = idempotent_create(
            user=request.user,
            key=key,
            endpoint=request.path,
            data=request.data,
            create=lambda: self.create_response(request),
        )
        response = Response(body, status=code)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response
