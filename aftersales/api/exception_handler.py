"""One mapping from domain and validation errors to HTTP (style.md §3).

- ``ApplicationError`` → its status (409, or 403 for ``forbidden``) with ``detail`` + ``code``.
- Django ``ValidationError`` raised by a service → 400 in DRF's field-error shape.
- ``ProtectedError`` (deleting something still referenced) → 409 ``protected``.
- A DRF ``ValidationError`` raised with a bare message (a list body, e.g. a NUL in
  ``?search=``) → ``{"non_field_errors": [...]}``: a 400 is always the field-error shape
  the contract and the schema (``FieldErrors``) promise.
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
    response = exception_handler(exc, context)
    if response is not None and response.status_code == 400 and isinstance(response.data, list):
        response.data = {"non_field_errors": response.data}
    return response
