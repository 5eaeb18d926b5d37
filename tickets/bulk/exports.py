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

from aftersales.roles import EXPORT_ROLES, role_require
from audits.personal import mask_value
from audits.services import audit_record
from parts.filtersets import PartFilterSet, StockLevelFilterSet
from parts.selectors import part_list, stock_level_list

from .. import sla
from ..filtersets import CustomerFilterSet, TicketFilterSet
from ..selectors import can_see_phone, customer_list, product_list, ticket_list
from . import formats

# Rows fetched per round trip of the server-side cursor (PostgreSQL) while streaming.
CHUNK_SIZE = 2000


def _local(value):
    return timezone.localtime(value) if value is not None else None


@dataclass(frozen=True)
class ExportContext:
    """What one export may show: decided once for the user, applied to every row."""

    contact_visible: bool
    now: Any


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


def _ticket_row(ticket, context):
    customer = ticket.customer
    phone = customer.phone if context.contact_visible else customer.masked_phone
    product = ticket.product
    now = sla.effective_now(context.now, ticket.sla_paused_at)
    return [
        ticket.pk,
        ticket.number,
        ticket.status,
        ticket.category,
        ticket.channel,
        ticket.priority,
        _local(ticket.created_at),
        customer.pk,
        customer.name,
        phone,
        ticket.area.code if ticket.area_id else None,
        ticket.product_id,
        product.model.code if product else None,
        product.serial_number if product else None,
        ticket.description,
        ticket.owner.get_username(),
        ticket.technician.employee_no if ticket.technician_id else None,
        _local(ticket.appointment_start),
        _local(ticket.appointment_end),
        sla.overall_state([ticket.response_clock, ticket.dispatch_clock], now),
        ticket.escalation_level,
        _local(ticket.response_due_at),
        _local(ticket.responded_at),
        _local(ticket.dispatch_due_at),
        _local(ticket.dispatched_at),
        _local(ticket.closed_at),
        ticket.satisfaction,
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
        _local(customer.created_at),
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
        _local(product.created_at),
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
        _local(part.created_at),
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
        _local(level.updated_at),
    ]


KINDS = {
    kind.slug: kind
    for kind in (
        ExportKind(
            slug="tickets",
            title=_("Tickets"),
            filterset_class=TicketFilterSet,
            queryset=lambda user: ticket_list(user=user).with_product(),
            columns=TICKET_COLUMNS,
            row=_ticket_row,
            personal=("phone",),
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
    context = ExportContext(contact_visible=contact_visible, now=now)
    rows = kind.rows(queryset.order_by("pk"), context)
    filename = export_filename(kind, fmt, now=now)
    if fmt == "xlsx":
        return formats.xlsx_response(kind.columns, rows, filename=filename, title=str(kind.title))
    return formats.csv_response(kind.columns, rows, filename=filename)
