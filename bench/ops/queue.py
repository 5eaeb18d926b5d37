"""The desk's ticket queue page (issue 13 §7): each saved view with its tab counts, sorts
whose keys come from another table, a keyset page deep in a million tickets, the poll."""

from django.db import connection

from bench.harness import Operation, operation
from tickets.listing import SAVED_VIEWS, cursor_encode

from .tickets import _ok

URL = "/tickets/"


def _page(ctx, name, query, htmx=False, note=""):
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_X_BACKGROUND_REFRESH": "1"} if htmx else {}
    return Operation(
        name=name,
        run=lambda i: _ok(ctx.page.get(URL, query, **headers)),
        iterations=50,
        note=note,
    )


def _view_op(slug):
    def factory(ctx):
        return _page(ctx, f"queue page, view={slug} (HTML)", {"view": slug} if slug else {})

    factory.__name__ = f"queue_view_{slug}"
    return factory


for _view in SAVED_VIEWS:
    operation(_view_op(_view.slug))


@operation
def queue_sort_priority(ctx):
    return _page(ctx, "queue page, all by priority (HTML)", {"sort": "priority"})


@operation
def queue_sort_sla_due(ctx):
    return _page(ctx, "queue page, all by SLA due (HTML)", {"sort": "sla_due"})


@operation
def queue_sort_owner(ctx):
    return _page(ctx, "queue page, all by owner (HTML)", {"sort": "owner"})


@operation
def queue_sort_customer_desc(ctx):
    return _page(ctx, "queue page, all by customer, Z to A (HTML)", {"sort": "-customer"})


def _cursor_at(order_sql, offset):
    """The cursor of the row ``offset`` rows into the table in ``order_sql`` order (the
    set-up may use OFFSET; the page then reads from the cursor on)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT created_at, id FROM tickets_ticket ORDER BY {order_sql} OFFSET %s LIMIT 1",  # nosec B608
            [offset],
        )
        return cursor_encode(list(cursor.fetchone()))


@operation
def queue_deep_keyset_page(ctx):
    after = _cursor_at("created_at DESC, id DESC", 500_000)
    return _page(
        ctx,
        "queue page, all, newest first, 10,000 pages deep (HTML)",
        {"sort": "-created", "after": after},
        note="the cursor of the 500,000th ticket",
    )


@operation
def queue_deep_keyset_page_priority(ctx):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT priority, id FROM tickets_ticket ORDER BY priority, id OFFSET 600000 LIMIT 1"
        )
        after = cursor_encode(list(cursor.fetchone()))
    return _page(
        ctx,
        "queue page, all by priority, 12,000 pages deep (HTML)",
        {"sort": "priority", "after": after},
    )


@operation
def queue_poll(ctx):
    return _page(
        ctx, "queue poll, to_triage rows + tabs (htmx fragment)", {"view": "to_triage"}, htmx=True
    )
