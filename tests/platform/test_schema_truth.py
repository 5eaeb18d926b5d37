"""The OpenAPI schema states what the server enforces (aftersales.api.schema).

Generic walks, not lists of fields: every serializer component of the generated schema is
compared with the serializer it came from — choices, bounds, lengths, patterns, required,
read-only, nullable, unknown keys — and every operation with the errors it can answer.
A new serializer field whose constraint the schema does not carry fails here by name.
"""

import re
from decimal import Decimal

import pytest
from django.core import validators
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from aftersales.api.fields import PasswordField
from aftersales.api.schema import NO_NUL_PATTERN, NOT_BLANK_PATTERN, password_min_length
from aftersales.api.serializers import StrictFieldsMixin

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """``(schema, components)``: the schema and its serializer components with the
    serializer each was built from."""
    with django_db_blocker.unblock():
        generator = SchemaGenerator()
        schema = generator.get_schema(request=None, public=True)
    components = [
        (component.name, component.object, component.schema)
        for component in generator.registry._components.values()
        if component.type == "schemas"
        and isinstance(component.object, serializers.Serializer)
        and not component.name.startswith("Paginated")  # the page around a serializer
    ]
    return schema, components


def _resolve(schema, node):
    """``node`` with ``$ref`` followed and ``oneOf``/``allOf`` merged into one dict of
    constraints (spectacular puts ``""`` and ``null`` as alternatives beside the value);
    ``enum`` collects every branch's values."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return {**_resolve(schema, schema["components"]["schemas"][name]), **_outer(node)}
    merged = dict(node)
    for key in ("oneOf", "allOf", "anyOf"):
        for branch in merged.pop(key, []):
            branch = _resolve(schema, branch)
            enum = merged.get("enum", []) + branch.get("enum", [])
            if branch.get("maxLength") == 0 and "pattern" not in branch:
                enum.append("")  # spectacular's blank alternative
                branch = {}
            merged = {**branch, **merged}
            if enum:
                merged["enum"] = enum
    return merged


def _outer(node):
    return {k: v for k, v in node.items() if k != "$ref"}


def _fields(serializer, direction):
    for name, field in serializer.fields.items():
        if direction == "request" and field.read_only:
            continue
        if direction == "response" and field.write_only:
            continue
        yield name, field


def _direction(name):
    return "request" if name.endswith("Request") else "response"


def _problems(schema, name, serializer, component):
    """What the schema of ``component`` leaves out of ``serializer``'s rules."""
    direction = _direction(name)
    problems = []
    properties = component.get("properties", {})
    required = set(component.get("required", []))
    strict = direction == "request" and isinstance(serializer, StrictFieldsMixin)
    if strict and component.get("additionalProperties") is not False:
        problems.append("unknown keys are refused: additionalProperties must be false")
    for field_name, field in _fields(serializer, direction):
        if field_name not in properties:
            problems.append(f"{field_name}: missing")
            continue
        prop = _resolve(schema, properties[field_name])
        say = problems.append
        partial = name.startswith("Patched")  # a PATCH body: every field optional
        needed = direction == "request" and field.required and not partial
        if needed and field_name not in required:
            say(f"{field_name}: required, not in 'required'")
        if direction == "response" and field.read_only and not prop.get("readOnly"):
            say(f"{field_name}: read-only, not readOnly")
        if field.allow_null and not prop.get("nullable"):
            say(f"{field_name}: accepts null, not nullable")
        if isinstance(field, serializers.ChoiceField) and not isinstance(
            field, serializers.MultipleChoiceField | serializers.FilePathField
        ):
            wanted = {str(key) for key in field.choices} - {""}
            if not wanted <= {str(v) for v in prop.get("enum", [])}:
                say(f"{field_name}: choices {sorted(wanted)} not all in enum")
        if isinstance(field, serializers.DecimalField) and prop.get("type") == "string":
            if direction == "request":
                problems.extend(_decimal_problems(field_name, field, prop))
            continue
        for attr, key in (("min_value", "minimum"), ("max_value", "maximum")):
            limit = getattr(field, attr, None)
            if limit is not None and prop.get(key) is None:
                say(f"{field_name}: {attr}={limit} not stated as {key}")
            elif limit is not None and float(prop[key]) != float(limit):
                say(f"{field_name}: {attr}={limit} but {key}={prop[key]}")
        if isinstance(field, serializers.CharField) and direction == "request":
            if field.max_length is not None and prop.get("maxLength") != field.max_length:
                say(f"{field_name}: max_length={field.max_length} not stated as maxLength")
            if field.min_length is not None and (prop.get("minLength") or 0) < field.min_length:
                say(f"{field_name}: min_length={field.min_length} not stated")
            least = password_min_length()
            if isinstance(field, PasswordField) and prop.get("minLength", 0) < least:
                say(f"{field_name}: passwords under {least} characters are refused")
            if "format" not in prop and "enum" not in prop and not prop.get("pattern"):
                say(f"{field_name}: no pattern (NUL characters are refused)")
        if direction == "request" and isinstance(
            field, serializers.ListField | serializers.ManyRelatedField
        ):
            least = getattr(field, "min_length", None) or (0 if field.allow_empty else 1)
            if least and (prop.get("minItems") or 0) < least:
                say(f"{field_name}: at least {least} item(s), minItems={prop.get('minItems')}")
        for validator in field.validators:
            if isinstance(validator, validators.URLValidator):
                if prop.get("format") != "uri":
                    say(f"{field_name}: a URL, not format uri")
            elif isinstance(validator, validators.EmailValidator):
                if prop.get("format") != "email":
                    say(f"{field_name}: an e-mail address, not format email")
            elif isinstance(validator, validators.RegexValidator) and not prop.get("pattern"):
                say(f"{field_name}: regex {validator.regex.pattern!r} not stated as pattern")
    return problems


def _decimal_problems(name, field, prop):
    """A decimal travels as a string: its pattern must take what the field takes at its
    bounds and refuse one step beyond them (and blank, and a lone sign)."""
    pattern = re.compile(prop.get("pattern") or "")
    step = Decimal(1).scaleb(-field.decimal_places)
    takes, refuses = ["0"], ["", "-", "."]
    for limit, beyond in ((field.min_value, -step), (field.max_value, step)):
        if limit is not None:
            takes.append(str(Decimal(limit)))
            refuses.append(str(Decimal(limit) + beyond))
    digits = "9" * field.max_whole_digits + "0"
    refuses.append(digits)  # one whole digit too many
    found = []
    for value in takes:
        if not pattern.search(value):
            found.append(f"{name}: {value!r} is accepted but the pattern refuses it")
    for value in refuses:
        if pattern.search(value):
            found.append(f"{name}: {value!r} is refused but the pattern takes it")
    return found


def test_every_serializer_field_states_its_constraints(generated):
    schema, components = generated
    assert len(components) > 80  # the walk sees the whole API, not an empty registry

    problems = {
        name: found
        for name, serializer, component in components
        if (found := _problems(schema, name, serializer, component))
    }

    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_the_walk_catches_a_constraint_left_out(generated):
    """The check above can fail: a bound removed from a component is reported."""
    schema, components = generated
    name, serializer, component = next(c for c in components if c[0] == "TicketFollowUpRequest")
    broken = {**component, "properties": dict(component["properties"])}
    broken["properties"]["satisfaction"] = {"type": "integer"}
    broken.pop("additionalProperties")

    problems = _problems(schema, name, serializer, broken)

    assert "satisfaction: min_value=1 not stated as minimum" in problems
    assert "unknown keys are refused: additionalProperties must be false" in problems


def test_text_patterns_are_what_drf_cleans():
    """The request patterns agree with ``CharField``: NUL refused; blank once trimmed
    refused where blank is not allowed."""
    not_blank, no_nul = (
        re.compile(NOT_BLANK_PATTERN.replace(r"\u0000", r"\x00")),
        re.compile(NO_NUL_PATTERN.replace(r"\u0000", r"\x00")),
    )
    field = serializers.CharField()
    for value in ["a", " a ", "王", "  ", "", "a\x00b", "\t\n"]:
        try:
            field.run_validation(value)
            accepted = True
        except serializers.ValidationError:
            accepted = False
        assert bool(not_blank.search(value)) == accepted, repr(value)
    assert no_nul.search(" ") and not no_nul.search("a\x00") and not no_nul.search("")


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


def test_every_operation_declares_its_errors(generated):
    schema, _components = generated
    missing = []
    for path, method, operation in _operations(schema):
        declared = set(operation["responses"])
        parameters = operation.get("parameters", [])
        wanted = set()
        if "requestBody" in operation or any(p["in"] != "path" for p in parameters):
            wanted.add("400")
        queries = {p["name"] for p in parameters if p["in"] == "query"}
        if "{" in path or queries & {"page", "cursor", "format"}:
            wanted.add("404")
        if method in {"POST", "PUT", "PATCH", "DELETE"}:
            wanted.add("409")
        if {} not in operation.get("security", []):  # {}: anyone may call it
            wanted |= {"401", "403"}
        if not wanted <= declared:
            missing.append(f"{method} {path}: {sorted(wanted - declared)}")
        for code in declared & {"400", "401", "403", "404", "409", "429"}:
            if "application/json" not in operation["responses"][code].get("content", {}):
                missing.append(f"{method} {path}: {code} has no body schema")
    assert missing == []


def test_a_throttled_operation_declares_429_with_retry_after(generated):
    schema, _components = generated
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]

    assert "Retry-After" in token["429"]["headers"]
    # Anyone may sign in: no 401/403 is promised there.
    assert not {"401", "403"} & set(token)


def test_the_conflict_shape_has_detail_and_code(generated):
    schema, _components = generated
    triage = schema["paths"]["/api/v1/tickets/{id}/triage/"]["post"]["responses"]["409"]
    body = _resolve(schema, triage["content"]["application/json"]["schema"])

    assert set(body["required"]) == {"detail", "code"}


def _check_bounds(condition):
    """``{field: (least, most)}``: the constant bounds a check constraint's condition puts
    on single fields (``sample_percent__gte=1`` …). Within an ``OR`` only a bound beside
    ``__isnull`` alternatives counts (a nullable column bounded when set); other ``OR``s
    and negations bound nothing on their own."""
    from django.db.models import Q

    if condition.negated:
        return {}
    children = condition.children
    if condition.connector == Q.OR:
        children = [c for c in children if not (isinstance(c, tuple) and c[0].endswith("__isnull"))]
        if len(children) != 1:
            return {}
    bounds = {}
    for child in children:
        found = _check_bounds(child) if isinstance(child, Q) else _lookup_bound(*child)
        for field, (least, most) in found.items():
            old_least, old_most = bounds.get(field, (None, None))
            bounds[field] = (
                old_least if least is None else least,
                old_most if most is None else most,
            )
    return bounds


def _lookup_bound(lookup, value):
    field, _sep, op = lookup.rpartition("__")
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return {}
    step = 1 if isinstance(value, int) else 0  # integers: > 0 is >= 1
    if op in ("gte", "gt"):
        return {field: (value + (step if op == "gt" else 0), None)}
    if op in ("lte", "lt"):
        return {field: (None, value - (step if op == "lt" else 0))}
    return {}


def test_check_constraints_on_writable_fields_are_stated(generated):
    """A model's check constraint on a field a request writes (a percentage 1–100) is a
    bound the schema states: otherwise the client learns it from a 400."""
    from django.db.models import CheckConstraint

    schema, components = generated
    missing = []
    for name, serializer, component in components:
        model = getattr(getattr(serializer, "Meta", None), "model", None)
        if _direction(name) != "request" or model is None:
            continue
        for constraint in model._meta.constraints:
            if not isinstance(constraint, CheckConstraint):
                continue
            condition = getattr(constraint, "condition", None) or constraint.check
            for field_name, (least, most) in _check_bounds(condition).items():
                field = serializer.fields.get(field_name)
                if field is None or field.read_only or field_name not in component["properties"]:
                    continue
                prop = _resolve(schema, component["properties"][field_name])
                if isinstance(field, serializers.DecimalField):
                    pattern = re.compile(prop.get("pattern", ""))
                    if least is not None and least >= 0 and pattern.search("-1"):
                        missing.append(f"{name}.{field_name}: negative numbers not refused")
                    continue
                if least is not None and (prop.get("minimum") is None or prop["minimum"] < least):
                    missing.append(f"{name}.{field_name}: {constraint.name} needs minimum {least}")
                if most is not None and (prop.get("maximum") is None or prop["maximum"] > most):
                    missing.append(f"{name}.{field_name}: {constraint.name} needs maximum {most}")
    assert missing == []
