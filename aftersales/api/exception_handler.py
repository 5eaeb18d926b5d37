"""One mapping from domain and validation errors to HTTP (style.md §3).

- ``ApplicationError`` → its status (409, or 403 for ``forbidden``) with ``detail`` + ``code``.
- Django ``ValidationError`` raised by a service → 400 in DRF's field-error shape.
- ``ProtectedError`` (deleting something still referenced) → 409 ``protected``.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from aftersales.exceptions import ApplicationError


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response({"detail": exc.message, "code": exc.code, **exc.extra}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                field: [m for e in errors for m in e.messages]
                for field, errors in exc.error_dict.items()
            }
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    if isinstance(exc, ProtectedError):
        return Response(
            {
                "detail": "This record is still referenced and cannot be deleted.",
                "code": "protected",
            },
            status=409,
        )
    return exception_handler(exc, context)
