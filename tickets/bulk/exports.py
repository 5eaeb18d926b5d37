"""Bulk exports: tickets (any list filter), customers, products, parts and stock levels as
CSV or XLSX, streamed (``formats``), with the personal data masked as the role sees it.

Each kind is one ``ExportKind``: the selector of what the user may read, the filterset its
API list uses, the columns and a row function. Columns are the REST API's field names and
values its codes (``in_warranty``, ``vip``, ``p2``), so a file goes back into the import
and into scripts unchanged; dates are ISO 8601 in the local time zone.

Personal data: a customer's phone, e-mail and address follow the contact rule of the
customer page (``presenters.customer_contact``: shown to the desk roles, masked
``138****5678`` / ``l***`` for everyone else); names are shown to whoever may export, as on
the ticket list. An export is audited once, ``bulk.exported`` (kind, format, filters,
which personal fields were shown unmasked) — one event naming the whole read rather than a
``customer.pii_read`` per row: a million events for one download would drown the trail,
and the filters in the event say exactly which rows were read.
"""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_filters.filterset import filterset_factory

from aftersales.replica import read_alias, reading_from_replica
from aftersales.roles import EXPORT_ROLES, role_require
from audits.personal import mask_value
from audits.services import audit_record
from parts.filtersets import PartFilterSet, StockLevelFilterSet
from parts.selectors import part_list, stock_level_list

from .. import sla
from ..filtersets import CustomerFilterSet, TicketFilterSet
from ..models import Ticket
from ..phones import mask_phone
from ..selectors import can_see_phone, customer_list, product_list
from . import formats

# Rows fetched per round trip of the server-side cursor (PostgreSQL) while streaming.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class ExportContext:
    """What one export may show: decided once for the user, applied to every row."""

    contact_visible: bool
    now: Any
    tz: Any = None

    def local(self, value):
        # The zone looked up once: timezone.localtime() asks a thread-local per call,
        # a quarter of the time of a million rows.
        return value.astimezone(self.tz) if value is not None else None


def _contact(customer, context):
    if context.contact_visible or customer.erased_at is not None:
        return customer.phone, customer.email, customer.address
    return customer.masked_phone, mask_value(customer.email), mask_value(customer.address)


@dataclass(frozen=True)
class ExportKind:
    slug: str
    title: Promise
    filterset_class: type
    queryset: Any  # (user) -> QuerySet, what the user may read, joined for the row
    columns: tuple
    row: Any  # (obj, ExportContext) -> list
    personal: tuple = ()  # fields shown unmasked when contact_visible
    filterset_fields: tuple = ()  # the list's plain filters, when it has no filterset
    values: tuple = ()  # read as named value rows instead of model instances

    def filterset(self, data, queryset):
        """The list's filterset over ``queryset`` (None when the list has no filters)."""
        cls = self.filterset_class
        if cls is None and self.filterset_fields:
            cls = filterset_factory(queryset.model, fields=list(self.filterset_fields))
        return cls(data, queryset=queryset) if cls is not None else None

    def rows(self, queryset, context):
        """The rows, read while they are sent. Inside a transaction the server-side cursor
        streams from the first fetch; in autocommit Django declares it WITH HOLD, which
        PostgreSQL materialises whole (a temporary copy of a million joined rows) before
        the first row comes back. A closed download closes the generator, which ends the
        (read-only) transaction."""
        if self.values:
            queryset = queryset.values_list(*self.values, named=True)
        with transaction.atomic():
            for obj in queryset.iterator(chunk_size=CHUNK_SIZE):
                yield self.row(obj, context)


# --- The kinds ----------------------------------------------------------------------------

TICKET_COLUMNS = (
    "id", "number", "status", "category", "channel", "priority", "created_at",
    "customer", "customer_name", "customer_phone", "area", "product", "product_model",
    "serial_number", "description", "owner", "technician", "appointment_start",
    "appointment_end", "sla_state", "escalation_level", "response_due_at", "responded_at",
    "dispatch_due_at", "dispatched_at", "closed_at", "satisfaction",
)  # fmt: skip


# What the ticket row reads, as plain values: building a million Ticket instances with
# five related models each cost most of the export's CPU (bench/README.md). The names
# match the model's fields, so the model's own clock properties read a row as they read
# a ticket (``Ticket.response_clock.fget(row)``).
TICKET_VALUES = (
    "id", "number", "status", "category", "channel", "priority", "created_at",
    "customer_id", "customer__name", "customer__phone", "area__code", "product_id",
    "product__model__code", "product__serial_number", "description", "owner__username",
    "technician__employee_no", "appointment_start", "appointment_end", "response_due_at",
    "response_warn_at", "responded_at", "dispatch_due_at", "dispatch_warn_at",
    "dispatched_at", "completed_at", "cancelled_at", "closed_at", "sla_paused_at",
    "escalation_level", "satisfaction",
)  # fmt: skip
_RESPONSE_CLOCK = Ticket.response_clock.fget
_DISPATCH_CLOCK = Ticket.dispatch_clock.fget


def _tickets(user):
    return Ticket.objects.visible_to(user)


def _ticket_row(t, context):
    phone = t.customer__phone if context.contact_visible else mask_phone(t.customer__phone)
    now = sla.effective_now(context.now, t.sla_paused_at)
    local = context.local
    return [
        t.id,
        t.number,
        t.status,
        t.category,
        t.channel,
        t.priority,
        local(t.created_at),
        t.customer_id,
        t.customer__name,
        phone,
        t.area__code,
        t.product_id,
        t.product__model__code,
        t.product__serial_number,
        t.description,
        t.owner__username,
        t.technician__employee_no,
        local(t.appointment_start),
        local(t.appointment_end),
        sla.overall_state([_RESPONSE_CLOCK(t), _DISPATCH_CLOCK(t)], now),
        t.escalation_level,
        local(t.response_due_at),
        local(t.responded_at),
        local(t.dispatch_due_at),
        local(t.dispatched_at),
        local(t.closed_at),
        t.satisfaction,
    ]


CUSTOMER_COLUMNS = (
    "id", "name", "phone", "email", "address", "area", "tier", "language",
    "consent_service", "consent_marketing", "erased", "created_at",
)  # fmt: skip


def _customer_row(customer, context):
    phone, email, address = _contact(customer, context)
    return [
        customer.pk,
        customer.name,
        phone,
        email,
        address,
        customer.area.code if customer.area_id else None,
        customer.tier,
        customer.language,
        customer.consent_service,
        customer.consent_marketing,
        customer.erased_at is not None,
        context.local(customer.created_at),
    ]


PRODUCT_COLUMNS = (
    "id", "customer", "customer_phone", "model", "serial_number", "purchase_date",
    "warranty_until", "in_warranty", "created_at",
)  # fmt: skip


def _product_row(product, context):
    customer = product.customer
    phone = customer.phone if context.contact_visible else customer.masked_phone
    return [
        product.pk,
        customer.pk,
        phone,
        product.model.code,
        product.serial_number,
        product.purchase_date,
        product.warranty_until,
        product.in_warranty,
        context.local(product.created_at),
    ]


PART_COLUMNS = (
    "id", "sku", "name", "category", "compatible_models", "unit_cost", "unit_price",
    "approved", "warranty_covered", "reorder_point", "reorder_quantity", "active",
    "created_at",
)  # fmt: skip


def _part_row(part, context):
    return [
        part.pk,
        part.sku,
        part.name,
        part.category.code,
        ";".join(sorted(model.code for model in part.compatible_models.all())),
        part.unit_cost,
        part.unit_price,
        part.approved,
        part.warranty_covered,
        part.reorder_point,
        part.reorder_quantity,
        part.active,
        context.local(part.created_at),
    ]


STOCK_LEVEL_COLUMNS = (
    "part", "part_sku", "part_name", "location", "location_code", "location_kind",
    "on_hand", "reserved", "available", "reorder_point", "below_reorder", "updated_at",
)  # fmt: skip


def _stock_level_row(level, context):
    return [
        level.part_id,
        level.part.sku,
        level.part.name,
        level.location_id,
        level.location.code,
        level.location.kind,
        level.on_hand,
        level.reserved,
        level.available,
        level.part.reorder_point,
        level.below_reorder,
        context.local(level.updated_at),
    ]


KINDS = {
    kind.slug: kind
    for kind in (
        ExportKind(
            slug="tickets",
            title=_("Tickets"),
            filterset_class=TicketFilterSet,
            queryset=lambda user: _tickets(user),
            columns=TICKET_COLUMNS,
            row=_ticket_row,
            personal=("phone",),
            values=TICKET_VALUES,
        ),
        ExportKind(
            slug="customers",
            title=_("Customers"),
            filterset_class=CustomerFilterSet,
            queryset=lambda user: customer_list(user=user),
            columns=CUSTOMER_COLUMNS,
            row=_customer_row,
            personal=("phone", "email", "address"),
        ),
        ExportKind(
            slug="products",
            title=_("Products"),
            filterset_class=None,
            queryset=lambda user: product_list(user=user),
            columns=PRODUCT_COLUMNS,
            row=_product_row,
            personal=("phone",),
            filterset_fields=("customer", "serial_number"),  # as ProductViewSet
        ),
        ExportKind(
            slug="parts",
            title=_("Parts"),
            filterset_class=PartFilterSet,
            queryset=lambda user: part_list(),
            columns=PART_COLUMNS,
            row=_part_row,
        ),
        ExportKind(
            slug="stock-levels",
            title=_("Stock levels"),
            filterset_class=StockLevelFilterSet,
            queryset=lambda user: stock_level_list(user=user),
            columns=STOCK_LEVEL_COLUMNS,
            row=_stock_level_row,
        ),
    )
}


def export_filename(kind, fmt, *, now=None):
    return f"{kind.slug}-{timezone.localtime(now):%Y%m%d-%H%M}.{fmt}"


def bulk_export(*, actor, kind, queryset, fmt, filters):
    """Start an export of ``queryset`` (already filtered, of ``kind.queryset(actor)``) as
    ``fmt``: checks the role (supervisors and auditors), writes one ``bulk.exported`` audit
    event and answers the streaming response. The rows are read while the response is
    sent, ordered by id, ``CHUNK_SIZE`` at a time."""
    role_require(actor, *EXPORT_ROLES)
    assert isinstance(queryset, QuerySet)
    now = timezone.now()
    contact_visible = can_see_phone(actor)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="bulk.exported",
            object_type="bulk.export",
            object_id=kind.slug,
            changes={
                "kind": kind.slug,
                "format": fmt,
                "filters": filters,
                "personal_data_shown": list(kind.personal) if contact_visible else [],
            },
        )
    context = ExportContext(
        contact_visible=contact_visible, now=now, tz=timezone.get_current_timezone()
    )
    # The rows are read while the response streams, after this call: pinned to the
    # replica now when it may serve them (aftersales.replica), else to the primary.
    with reading_from_replica():
        alias = read_alias()
    rows = kind.rows(queryset.using(alias).order_by("pk"), context)
    filename = export_filename(kind, fmt, now=now)
    if fmt == "xlsx":
        return formats.xlsx_response(kind.columns, rows, filename=filename, title=str(kind.title))
    return formats.csv_response(kind.columns, rows, filename=filename)
