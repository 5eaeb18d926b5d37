"""The header search (issue 13): one operation per kind of query an agent types, through
the page as htmx asks for it (the fragment of five results per group), signed in as an
agent. Queries are taken from sampled customers, products and tickets, so every call
finds something and the mix of popular and rare names is the data's own.

The floor is the customers' part alone, by the same index, in one hand-written statement:
the search runs five such statements (customers, products, the customer and product ids
of the tickets, the tickets).
"""

from bench.harness import Operation, operation
from tickets.models import Customer, Product, Ticket

HTMX = {"HTTP_HX_REQUEST": "true"}


def _ok(response):
    if response.status_code != 200 or b'role="option"' not in response.content:
        raise AssertionError(f"{response.status_code}: {response.content[:300]!r}")
    return response


def _search(ctx, name, queries, floor_where, floor_param):
    def run(i):
        return _ok(ctx.page.get("/desk/search/", {"q": ctx.pick(queries, i)}, **HTMX))

    def floor(cursor, i):
        cursor.execute(
            "SELECT c.id, c.name, c.phone, a.name FROM tickets_customer c "
            "LEFT JOIN tickets_area a ON a.id = c.area_id "
            f"WHERE c.erased_at IS NULL AND {floor_where} ORDER BY c.id DESC LIMIT 5",  # nosec B608
            [floor_param(ctx.pick(queries, i))],
        )
        return cursor.fetchall()

    return Operation(name=name, run=run, floor=floor if floor_where else None)


def _customers(ctx):
    return list(Customer.objects.filter(pk__in=ctx.customer_ids[:300]).order_by("pk"))


@operation
def search_last_four_digits(ctx):
    queries = [c.phone[-4:] for c in _customers(ctx)]
    return _search(
        ctx,
        "search: last 4 phone digits (HTML, htmx)",
        queries,
        "c.phone LIKE %s",
        lambda q: f"%{q}%",
    )


@operation
def search_pinyin_initials(ctx):
    queries = [c.name_initials for c in _customers(ctx)]
    return _search(
        ctx,
        "search: pinyin initials, e.g. ly (HTML, htmx)",
        queries,
        "c.name_initials LIKE %s",
        lambda q: f"{q}%",
    )


@operation
def search_full_pinyin(ctx):
    queries = [c.name_pinyin for c in _customers(ctx)]
    return _search(
        ctx,
        "search: full pinyin, e.g. liuyang (HTML, htmx)",
        queries,
        "c.name_pinyin LIKE %s",
        lambda q: f"%{q}%",
    )


@operation
def search_chinese_name(ctx):
    queries = [c.name for c in _customers(ctx)]
    return _search(
        ctx,
        "search: Chinese name, e.g. 刘洋 (HTML, htmx)",
        queries,
        "UPPER(c.name) LIKE %s",
        lambda q: f"%{q}%",
    )


@operation
def search_ticket_number_fragment(ctx):
    numbers = Ticket.objects.filter(pk__in=ctx.ticket_ids[:300]).values_list("number", flat=True)
    queries = [n.split("-", 1)[1] for n in numbers]  # "2025-000123", as read out
    return _search(ctx, "search: ticket number fragment (HTML, htmx)", queries, "", None)


@operation
def search_serial_fragment(ctx):
    serials = Product.objects.filter(customer_id__in=ctx.customer_ids[:300]).values_list(
        "serial_number", flat=True
    )
    queries = [s[-7:] for s in serials]  # the end of the label, as read off the unit
    return _search(ctx, "search: serial fragment (HTML, htmx)", queries, "", None)
