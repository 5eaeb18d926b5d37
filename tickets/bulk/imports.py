"""Bulk imports of customers, products and parts from CSV or XLSX: a dry run that reports
every row's errors (row number, column, message), and an apply that writes all rows or
none.

Each row goes through the same two steps as the REST API: the API's serializer checks the
fields (``CustomerSerializer``, ``ProductSerializer``, ``PartSerializer``), then the service
writes (``customer_create`` / ``customer_update``, ``product_register``, ``part_create`` /
``part_update``), with its own rules — the phone normalised and unique, a serial registered
once per model, a part number unique — and its own audit event. A dry run is the very same
run inside a transaction that is rolled back at the end, so what it reports is what the
apply will do, duplicates within the file included; an apply with any refused row is rolled
back too (atomic), and its report says why.

Rows are matched by their natural key: a customer by normalised phone (a known one is
updated with the non-empty cells; unchanged rows write nothing), a product by model +
serial (a known one with the same owner and purchase date is unchanged, any other is
refused), a part by part number (updated). Empty cells mean "not given". Columns the
export writes but the import does not take (``id``, ``created_at``, …) are ignored, so an
export goes back in as it is.

Audit: one event per created or updated row (the services' own, so each record's history
and a customer's crypto-shredding work as for any other write), and one ``bulk.imported``
event for the batch (kind, file name, counts) that ties them together.
"""

import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError as DrfValidationError

from aftersales.exceptions import ApplicationError
from aftersales.roles import Role, role_require
from audits.services import audit_record
from parts import services as parts_services
from parts.api.serializers import PartSerializer
from parts.models import Part

from .. import services
from ..api.serializers import CustomerSerializer, ProductSerializer
from ..models import Customer, Product
from ..phones import normalize_phone
from . import exports
from .formats import read_table

IMPORT_ROLES = (Role.SUPERVISOR,)
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
MODES = ("dry_run", "apply")


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    kind: str
    mode: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)
    applied: bool = False

    @property
    def error_rows(self):
        return len({error.row for error in self.errors})


def _messages(exc):
    """``{column: [message]}`` of a refusal from a serializer or a service."""
    if isinstance(exc, DrfValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            return {name: _flatten(value) for name, value in detail.items()}
        return {"": _flatten(detail)}
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return {name: list(messages) for name, messages in exc.message_dict.items()}
    if isinstance(exc, ValidationError):
        return {"": list(exc.messages)}
    if isinstance(exc, IntegrityError):  # a concurrent write took the same key
        return {"": [_("Another change wrote the same record meanwhile; import the file again.")]}
    return {"": [str(exc.message if isinstance(exc, ApplicationError) else exc)]}


def _flatten(value):
    if isinstance(value, dict):
        return [text for item in value.values() for text in _flatten(item)]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _flatten(item)]
    return [str(value)]


def _checked(cls, values, *, context, instance=None, partial=False):
    """The API serializer ``cls`` after validating ``values``. One instance per (class,
    partial) serves the whole file: a ModelSerializer builds its fields anew for every
    instance, which was three quarters of an import's CPU."""
    reused = context.setdefault("reused_serializers", {})
    serializer = reused.get((cls, partial))
    if serializer is None:
        serializer = reused[(cls, partial)] = cls(data={}, partial=partial, context=context)
    serializer.instance = instance
    serializer.initial_data = values
    for name in ("_validated_data", "_errors", "_data"):
        serializer.__dict__.pop(name, None)
    serializer.is_valid()
    return serializer


def _validated(cls, values, **kwargs):
    serializer = _checked(cls, values, **kwargs)
    if serializer.errors:
        raise DrfValidationError(serializer.errors)
    return serializer.validated_data


def _changed(instance, data):
    return any(getattr(instance, name) != value for name, value in data.items())


# --- The kinds ----------------------------------------------------------------------------


def _customer_key(values):
    try:
        return normalize_phone(values.get("phone", ""))
    except ValueError:
        return None  # the row is refused with the phone rule's own message


def _customer_row(values, *, actor, context, key):
    existing = Customer.objects.select_related("area").filter(phone=key).first() if key else None
    serializer = _checked(
        CustomerSerializer,
        values,
        context=context,
        instance=existing,
        partial=existing is not None,
    )
    errors = dict(serializer.errors)
    if key is None and "phone" in values and "phone" not in errors:
        # The service's phone rule, so that the row's report names it with the others.
        try:
            normalize_phone(values["phone"])
        except ValueError as exc:
            errors["phone"] = [str(exc)]
    if errors:
        raise DrfValidationError(errors)
    data = dict(serializer.validated_data)
    if existing is None:
        services.customer_create(actor=actor, **data)
        return CREATED
    data.pop("phone", None)  # the key: the same number, perhaps written another way
    if not _changed(existing, data):
        return UNCHANGED
    services.customer_update(customer=existing, actor=actor, **data)
    return UPDATED


def _product_key(values):
    model, serial = values.get("model", ""), values.get("serial_number", "").strip()
    return (model, serial) if model and serial else None


def _product_row(values, *, actor, context, key):
    values = dict(values)
    phone = values.pop("customer_phone", "")
    if phone and "customer" not in values:
        try:
            found = Customer.objects.filter(phone=normalize_phone(phone)).first()
        except ValueError as exc:
            raise ValidationError({"customer_phone": [str(exc)]}) from exc
        if found is None:
            raise ValidationError({"customer_phone": [_("No customer has this phone number.")]})
        values["customer"] = str(found.pk)
    if "customer" not in values:
        raise ValidationError(
            {"customer": [_("Give the customer's id (customer) or phone (customer_phone).")]}
        )
    known = None
    if key is not None:
        model_code, serial = key
        known = (
            Product.objects.filter(model__code=model_code, serial_number=serial)
            .only("customer_id", "purchase_date")
            .first()
        )
    data = _validated(ProductSerializer, values, context=context)
    if known is not None and (known.customer_id, known.purchase_date) == (
        data["customer"].pk,
        data["purchase_date"],
    ):
        return UNCHANGED
    services.product_register(actor=actor, **data)
    return CREATED


def _part_key(values):
    return values.get("sku", "").strip().casefold()


def _split_codes(text):
    return [code for code in re.split(r"[;,\s]+", text) if code]


def _part_row(values, *, actor, context, key):
    values = dict(values)
    if "compatible_models" in values:
        values["compatible_models"] = _split_codes(values["compatible_models"])
    existing = Part.objects.filter(sku__iexact=key).first() if key else None
    if existing is None:
        data = dict(_validated(PartSerializer, values, context=context))
        parts_services.part_create(actor=actor, **data)
        return CREATED
    values.pop("sku")
    data = dict(
        _validated(PartSerializer, values, context=context, instance=existing, partial=True)
    )
    models = data.pop("compatible_models", None)
    same_models = models is None or {m.pk for m in models} == set(
        existing.compatible_models.values_list("pk", flat=True)
    )
    if not _changed(existing, data) and same_models:
        return UNCHANGED
    parts_services.part_update(part=existing, actor=actor, compatible_models=models, **data)
    return UPDATED


@dataclass(frozen=True)
class ImportKind:
    slug: str
    required: tuple
    optional: tuple
    key: Any  # (values) -> the natural key, for duplicates within the file
    key_columns: tuple
    process: Any  # (values, actor=, context=, key=) -> CREATED | UPDATED | UNCHANGED

    @property
    def columns(self):
        return (*self.required, *self.optional)

    @property
    def ignored(self):
        """What the export of this kind writes and the import does not take."""
        return tuple(c for c in exports.KINDS[self.slug].columns if c not in self.columns)


KINDS = {
    kind.slug: kind
    for kind in (
        ImportKind(
            slug="customers",
            required=("name", "phone"),
            optional=(
                "email",
                "address",
                "area",
                "tier",
                "language",
                "consent_service",
                "consent_marketing",
            ),
            key=_customer_key,
            key_columns=("phone",),
            process=_customer_row,
        ),
        ImportKind(
            slug="products",
            required=("model", "serial_number", "purchase_date"),
            optional=("customer", "customer_phone"),
            key=_product_key,
            key_columns=("model", "serial_number"),
            process=_product_row,
        ),
        ImportKind(
            slug="parts",
            required=("sku", "name", "category", "unit_cost", "unit_price"),
            optional=(
                "compatible_models",
                "approved",
                "warranty_covered",
                "reorder_point",
                "reorder_quantity",
                "active",
            ),
            key=_part_key,
            key_columns=("sku",),
            process=_part_row,
        ),
    )
}


def _check_header(kind, header):
    """The columns' positions; a file-level refusal naming what is wrong with them."""
    known = set(kind.columns) | set(kind.ignored)
    unknown = [name for name in header if name and name not in known]
    missing = [name for name in kind.required if name not in header]
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    problems = []
    if missing:
        problems.append(_("missing columns: %(names)s") % {"names": ", ".join(missing)})
    if unknown:
        problems.append(_("unknown columns: %(names)s") % {"names": ", ".join(unknown)})
    if duplicated:
        problems.append(_("repeated columns: %(names)s") % {"names": ", ".join(duplicated)})
    if problems:
        raise ValidationError(
            {
                "file": [
                    _(
                        "The columns do not fit a %(kind)s import (%(problems)s). "
                        "Expected: %(expected)s."
                    )
                    % {
                        "kind": kind.slug,
                        "problems": "; ".join(problems),
                        "expected": ", ".join(kind.columns),
                    }
                ]
            }
        )
    return [(index, name) for index, name in enumerate(header) if name in kind.columns]


def bulk_import(*, actor, kind, file, mode="dry_run", filename=""):
    """Check (``mode="dry_run"``) or write (``"apply"``) every row of ``file`` (CSV or XLSX)
    as ``kind`` (``KINDS``); supervisors only. Returns the ``ImportReport``.

    One transaction: each row through its service, which is atomic itself (a refused row
    undoes only itself, so every row is checked and reported); at the end the transaction
    is rolled back for a dry run or when any row was refused, otherwise committed with one
    ``bulk.imported`` event. A file that cannot be read, has the wrong columns or more than
    ``BULK_IMPORT_MAX_ROWS`` rows raises ``ValidationError`` on ``file`` (nothing written).
    """
    role_require(actor, *IMPORT_ROLES)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    header, rows = read_table(file)
    positions = _check_header(kind, header)
    order = {name: index for index, name in positions}
    report = ImportReport(kind=kind.slug, mode=mode)
    context = {"request": SimpleNamespace(user=actor)}
    limit = settings.BULK_IMPORT_MAX_ROWS
    seen = {}
    with transaction.atomic():
        for number, cells in rows:
            report.rows += 1
            if report.rows > limit:
                raise ValidationError(
                    {
                        "file": [
                            _(
                                "The file has more than %(limit)s rows: split it and "
                                "import each part."
                            )
                            % {"limit": f"{limit:,}"}
                        ]
                    }
                )
            values = {
                name: cells[index]
                for index, name in positions
                if index < len(cells) and cells[index]
            }
            key = kind.key(values)
            if key and key in seen:
                for column in kind.key_columns:
                    report.errors.append(
                        RowError(
                            number,
                            column,
                            _("Same as row %(row)s of this file.") % {"row": seen[key]},
                        )
                    )
                continue
            if key:
                seen[key] = number
            try:
                # No savepoint of our own: each service is atomic itself (a nested atomic
                # is a savepoint) and refuses before it writes, so a refused row leaves
                # nothing behind; one savepoint per row fewer matters at 100,000 rows
                # (PostgreSQL tracks at most 64 subtransactions per transaction cheaply).
                outcome = kind.process(values, actor=actor, context=context, key=key)
            except (ValidationError, DrfValidationError, ApplicationError, IntegrityError) as exc:
                found = []
                for column, messages in _messages(exc).items():
                    column = "" if column in ("non_field_errors", "__all__") else column
                    found += [RowError(number, column, message) for message in messages]
                # In the file's column order, the row's own errors first.
                found.sort(key=lambda error: order.get(error.column, -1))
                report.errors += found
                continue
            if outcome == CREATED:
                report.created += 1
            elif outcome == UPDATED:
                report.updated += 1
            else:
                report.unchanged += 1
        if mode == "apply" and not report.errors:
            audit_record(
                actor=actor,
                action="bulk.imported",
                object_type="bulk.import",
                object_id=kind.slug,
                changes={
                    "kind": kind.slug,
                    "file": filename[:200],
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                },
            )
            report.applied = True
        else:
            transaction.set_rollback(True)
    return report
