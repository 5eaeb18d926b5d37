"""The OpenAPI schema tells what the server enforces (README, "Security checks and fuzzing").

``AutoSchema`` is drf-spectacular's, with what it leaves out by default:

- **Error responses.** Every operation declares the errors it can answer, each with its
  body: 400 (DRF's field-error shape, or ``{"detail"}`` for a body that does not parse)
  where it takes a body or parameters; 401 and 403 unless anyone may call it; 404 where
  its path names an object, it pages (a page past the last, a cursor that is not one) or
  it takes ``?format=`` (one with no renderer); 409 (``{"detail", "code"}``,
  ``aftersales.exceptions``) on writes; 429 with ``Retry-After`` where a throttle applies;
  414 where a query string can outgrow the front server's request line.
- **No other keys.** A write serializer with ``StrictFieldsMixin`` refuses keys it does
  not take; its request schema says ``additionalProperties: false``.
- **Text input as the fields clean it.** DRF refuses NUL characters in every ``CharField``
  and, for a field that may not be blank, a value that is blank once trimmed; the request
  schema says so with a ``pattern`` (where the field has none of its own), so a generated
  client does not send what is then refused.
- **Passwords** (``aftersales.api.fields.PasswordField``) state the least length
  ``AUTH_PASSWORD_VALIDATORS`` accept.
- **Decimals and lists as the fields take them.** A ``DecimalField``'s pattern is exact
  (digits, places, no sign when it may not be negative, a power-of-ten maximum); a list
  that may not be empty says ``minItems: 1``.
- **Nulls in answers.** A read-only field read through a link that may be missing
  (``source="technician.full_name", default=None``) answers ``null``, and says so.
- **Blank choices in answers.** A read-only choice field of a model column that may be
  blank (a ticket's ``fault_class`` before triage) answers ``""``; DRF drops
  ``allow_blank`` from read-only fields, this puts it back so the enum lists ``""``.

``tests/platform/test_schema_truth.py`` walks the generated schema against the serializers and
fails on any field whose constraints are missing.
"""

import copy

from django.contrib.auth import password_validation
from django.db import models
from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.settings import api_settings

from .fields import PasswordField
from .serializers import StrictFieldsMixin

# A non-empty value with no NUL character (PostgreSQL cannot store one; DRF refuses it).
# Non-empty: spectacular offers "" as an alternative of its own (``oneOf``) where blank
# is allowed, and the two must not overlap.
NO_NUL_PATTERN = r"^[^\u0000]+$"
# ... and with at least one character that trimming keeps (DRF strips, then refuses "").
NOT_BLANK_PATTERN = r"^[^\u0000]*[^\u0000\s][^\u0000]*$"

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

ERROR_DETAIL = {
    "type": "object",
    "description": "An error that is not about one field: what went wrong, in words.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "A stable machine-readable code, if any."},
    },
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": (
        "DRF's field-error shape: each refused field (or header, or `non_field_errors`) "
        "with its messages; a nested object or list carries the errors of its items."
    ),
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {}},
            {"type": "object"},
        ]
    },
}
APPLICATION_ERROR = {
    "type": "object",
    "description": (
        "The request is well-formed but the current state forbids it (style.md §3). "
        "Codes include `invalid_transition`, `stale_version`, `insufficient_stock`, "
        "`not_qualified`, `idempotency_key_reused`, `protected`, `audit_closed`; "
        "some carry more keys (e.g. `status` and `action` for `invalid_transition`)."
    ),
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "required": ["detail", "code"],
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema plus declared errors and text-input patterns."""

    # --- Error responses ------------------------------------------------------------------

    def _component(self, name, schema):
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _error(self, description, schema, headers=None):
        response = {"description": description, "content": {"application/json": {"schema": schema}}}
        if headers:
            response["headers"] = headers
        return response

    def _anyone_may_call(self):
        return all(isinstance(p, AllowAny) for p in self.view.get_permissions())

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        detail = self._component("ErrorDetail", ERROR_DETAIL)
        parameters = self._get_parameters()
        has_query = any(p.get("in") == "query" for p in parameters)
        errors = {}
        if self._get_request_body() or any(p.get("in") != "path" for p in parameters):
            errors["400"] = self._error(
                "Invalid input: field errors, or `detail` for a body that cannot be parsed.",
                {"anyOf": [self._component("FieldErrors", FIELD_ERRORS), detail]},
            )
        if not self._anyone_may_call():
            errors["401"] = self._error("No or invalid credentials.", detail)
            errors["403"] = self._error("The caller's role may not do this.", detail)
        # DRF answers 404 to a page past the last, a cursor that is not one, and a
        # ``?format=`` it has no renderer for.
        lookups = {"page", "cursor", api_settings.URL_FORMAT_OVERRIDE}
        paged = any(p.get("in") == "query" and p["name"] in lookups for p in parameters)
        # A create that names another object in its body (a quote for a ticket) answers
        # 404 when the caller may not see it: such views say so with ``answers_404``.
        if "{" in self.path or paged or getattr(self.view, "answers_404", False):
            errors["404"] = self._error(
                "No such object, or not one the caller may see (or no such page or format).",
                detail,
            )
        if self.method in UNSAFE_METHODS:
            errors["409"] = self._error(
                "Refused by the current state, with a stable `code`.",
                self._component("ApplicationError", APPLICATION_ERROR),
            )
        if has_query:
            # gunicorn's limit on the request line (4094 bytes), before Django sees it.
            errors["414"] = {"description": "The query string is too long."}
        if self.view.get_throttles():
            errors["429"] = self._error(
                "Too many requests (or a locked-out sign-in); retry after the given seconds.",
                detail,
                headers={
                    "Retry-After": {
                        "schema": {"type": "integer", "minimum": 0},
                        "description": "Seconds to wait before retrying.",
                    }
                },
            )
        for code, response in errors.items():
            responses.setdefault(code, response)
        return responses

    # --- Bodies and fields as the server cleans them -------------------------------------

    def _postprocess_serializer_schema(self, schema, serializer, direction):
        schema = super()._postprocess_serializer_schema(schema, serializer, direction)
        if (
            direction == "request"
            and isinstance(serializer, StrictFieldsMixin)
            and schema.get("type") == "object"
        ):
            # StrictFieldsMixin answers 400 "Unknown field." to any other key.
            schema["additionalProperties"] = False
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if field.read_only and field.default is None and not field.allow_null:
            # ``source="technician.full_name", default=None``: null when the link is.
            field = copy.copy(field)
            field.allow_null = True
        if (
            field.read_only
            and isinstance(field, serializers.ChoiceField)
            and not field.allow_blank
            and _model_field_may_be_blank(field)
        ):
            field = copy.copy(field)
            field.allow_blank = True
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(schema, dict)
            and type(field) in TEXT_FIELDS
            and schema.get("type") == "string"
            and "pattern" not in schema
            and "format" not in schema
            and "enum" not in schema
        ):
            trimmed_blank_refused = not field.allow_blank and field.trim_whitespace
            schema["pattern"] = NOT_BLANK_PATTERN if trimmed_blank_refused else NO_NUL_PATTERN
        if direction == "request" and isinstance(schema, dict):
            if isinstance(field, PasswordField) and schema.get("type") == "string":
                schema["minLength"] = max(schema.get("minLength", 0), password_min_length())
            if isinstance(field, serializers.DecimalField) and schema.get("type") == "string":
                schema["pattern"] = decimal_pattern(field)
            if (
                isinstance(field, serializers.ListField | serializers.ManyRelatedField)
                and not field.allow_empty
                and not schema.get("minItems")
            ):
                schema["minItems"] = 1
        return schema


def password_min_length():
    """The least length ``AUTH_PASSWORD_VALIDATORS`` accept (1 without a length rule)."""
    lengths = [
        getattr(validator, "min_length", 0)
        for validator in password_validation.get_default_password_validators()
    ]
    return max([1, *lengths])


def decimal_pattern(field):
    """The strings a ``DecimalField`` takes, its bounds included where a pattern can say
    them: no sign when the least value is 0 or more; below a power of ten (``1000``, the
    limit of training hours) by its digits. Spectacular's own pattern also matches ``""``
    and ``"-"``, which the field refuses."""
    whole, places = field.max_whole_digits, field.decimal_places
    sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
    fraction = rf"(?:\.[0-9]{{1,{places}}})?" if places else ""
    body = rf"[0-9]{{1,{whole}}}{fraction}" if whole else rf"0{fraction}"
    top = field.max_value
    if top is not None and top >= 1 and whole:
        digits = len(str(int(top))) - 1
        if int(top) == top and top == 10**digits and digits <= whole:
            zeros = rf"(?:\.0{{1,{places}}})?" if places else ""
            body = rf"(?:[0-9]{{1,{digits}}}{fraction}|{int(top)}{zeros})"
    return rf"^{sign}{body}$"


# Plain text fields (subclasses with a format of their own — e-mail, URL, slug — and
# regex fields keep what spectacular says about them).
TEXT_FIELDS = (serializers.CharField, PasswordField)


def _model_field_may_be_blank(field):
    """Whether ``field`` reads a model column that may hold ``""`` (``blank=True``)."""
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return False
    try:
        model_field = model._meta.get_field(field.source)
    except Exception:  # a property or a method, not a column
        return False
    return isinstance(model_field, models.Field) and model_field.blank


def lib_doc_excludes():
    """Classes whose docstrings never describe an API schema (``GET_LIB_DOC_EXCLUDES``):
    drf-spectacular's own list, plus the mixins every write serializer shares — their
    docstrings are for developers, not a description of each request body."""
    from drf_spectacular.plumbing import get_lib_doc_excludes

    return [*get_lib_doc_excludes(), StrictFieldsMixin]
