"""Parts: the stock-level list at 10,000 parts × 500 locations, and the stock service's
write throughput (receipts, issues to tickets, transfers: movements per second)."""

import itertools

from django.db import connection

from bench.context import fetch
from bench.harness import Operation, operation
from bench.parts_data import ensure_parts_data

_ready = {}


def _data():
    if not _ready:
        ensure_parts_data()
        _ready["parts"] = [r[0] for r in fetch("SELECT id FROM parts_part ORDER BY id")]
        _ready["warehouses"] = [
            r[0] for r in fetch("SELECT id FROM parts_stocklocation WHERE kind = 'warehouse'")
        ]
        _ready["locations"] = [r[0] for r in fetch("SELECT id FROM parts_stocklocation")]
    return _ready


def _list(ctx, name, query, floor_where, floor_params_fn=None):
    data = _data()
    client = ctx.api["supervisor"]

    def run(i):
        response = client.get("/api/v1/stock-levels/" + query(data, i))
        assert response.status_code == 200, response.content[:300]
        return response

    def floor(cursor, i):
        cursor.execute(
            "SELECT l.id, l.part_id, p.sku, p.name, l.location_id, s.code, s.kind, l.on_hand,"
            " l.reserved, l.on_hand - l.reserved, l.below_reorder, p.reorder_point,"
            " p.reorder_quantity, l.updated_at FROM parts_stocklevel l"
            " JOIN parts_part p ON p.id = l.part_id"
            " JOIN parts_stocklocation s ON s.id = l.location_id"
            f" WHERE {floor_where} ORDER BY l.id LIMIT 51",
            floor_params_fn(data, i) if floor_params_fn else [],
        )
        return cursor.fetchall()

    return Operation(name=name, run=run, floor=floor, iterations=100)


@operation
def stock_levels_first_page(ctx):
    return _list(ctx, "stock levels, first 50 of 5M (API)", lambda d, i: "", "true")


@operation
def stock_levels_below_reorder(ctx):
    return _list(
        ctx,
        "stock levels, below_reorder=true of 5M (API)",
        lambda d, i: "?below_reorder=true",
        "l.below_reorder",
    )


@operation
def stock_levels_by_location(ctx):
    return _list(
        ctx,
        "stock levels, one location (API)",
        lambda d, i: f"?location={d['locations'][i * 37 % len(d['locations'])]}",
        "l.location_id = %s",
        lambda d, i: [d["locations"][i * 37 % len(d["locations"])]],
    )


@operation
def stock_levels_by_location_low(ctx):
    return _list(
        ctx,
        "stock levels, one location + below_reorder (API)",
        lambda d, i: f"?location={d['locations'][i * 37 % len(d['locations'])]}&below_reorder=true",
        "l.location_id = %s AND l.below_reorder",
        lambda d, i: [d["locations"][i * 37 % len(d["locations"])]],
    )


@operation
def stock_levels_by_part(ctx):
    return _list(
        ctx,
        "stock levels, one part (API)",
        lambda d, i: f"?part={d['parts'][i * 101 % len(d['parts'])]}",
        "l.part_id = %s",
        lambda d, i: [d["parts"][i * 101 % len(d["parts"])]],
    )


def _objects():
    from parts.models import Part, StockLocation

    data = _data()
    parts = Part.objects.filter(approved=True).in_bulk(data["parts"][:2000:7])
    locations = StockLocation.objects.in_bulk(data["locations"])
    warehouses = [locations[pk] for pk in data["warehouses"]]
    return list(parts.values()), locations, warehouses


@operation
def stock_receipt_service(ctx):
    """One receipt: lock (insert-if-missing) one level, one movement, one audit row."""
    from parts.services import stock_receive

    parts, _locations, warehouses = _objects()
    actor = ctx.users["supervisor"]
    pairs = itertools.cycle(itertools.product(parts, warehouses))

    def run(i):
        part, warehouse = next(pairs)
        return stock_receive(part=part, location=warehouse, quantity=5, actor=actor)

    return Operation(name="stock receipt, 1 movement (service)", run=run, iterations=200)


@operation
def stock_issue_service(ctx):
    """One issue to a ticket: the ticket's (no) reservations, one level locked, one
    movement, one ticket line, one audit row — what ``complete`` adds per part used."""
    from django.db import transaction

    from parts.services import stock_issue_for_ticket
    from tickets.models import Ticket

    parts, _locations, warehouses = _objects()
    actor = ctx.users["supervisor"]
    tickets = list(Ticket.objects.filter(pk__in=ctx.ticket_ids[:300]))
    # Levels with plenty on hand, so no call runs out.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT part_id, location_id FROM parts_stocklevel WHERE location_id = ANY(%s)"
            " AND on_hand - reserved >= 60 AND part_id = ANY(%s) LIMIT 2000",
            [[w.pk for w in warehouses], [p.pk for p in parts]],
        )
        pairs = cursor.fetchall()
    by_id = {p.pk: p for p in parts}
    locations = {w.pk: w for w in warehouses}
    cycle = itertools.cycle(pairs)

    def run(i):
        part_id, location_id = next(cycle)
        with transaction.atomic():
            return stock_issue_for_ticket(
                ticket=tickets[i % len(tickets)],
                lines=[{"part": by_id[part_id], "quantity": 1, "location": locations[location_id]}],
                actor=actor,
            )

    return Operation(name="stock issue to a ticket, 1 movement (service)", run=run, iterations=200)


@operation
def stock_transfer_service(ctx):
    """Warehouse → van and back: two levels locked in order, one movement."""
    from parts.services import stock_transfer

    parts, locations, warehouses = _objects()
    vans = [loc for loc in locations.values() if loc.kind == "van"][:50]
    actor = ctx.users["supervisor"]
    moves = itertools.cycle(itertools.product(parts[:20], warehouses[:2], vans[:10]))

    def run(i):
        part, warehouse, van = next(moves)
        stock_transfer(part=part, from_location=warehouse, to_location=van, quantity=1, actor=actor)
        return stock_transfer(
            part=part, from_location=van, to_location=warehouse, quantity=1, actor=actor
        )

    return Operation(
        name="stock transfer there and back, 2 movements (service)", run=run, iterations=100
    )


@operation
def stock_receipt_api(ctx):
    """POST /stock-movements/ (receipt) through the whole stack."""
    data = _data()
    client = ctx.api["supervisor"]
    parts = data["parts"][:2000:7]
    warehouses = data["warehouses"]

    def run(i):
        response = client.post(
            "/api/v1/stock-movements/",
            {
                "kind": "receipt",
                "part": parts[i % len(parts)],
                "to_location": warehouses[i % len(warehouses)],
                "quantity": 3,
            },
            format="json",
        )
        assert response.status_code == 201, response.content[:300]
        return response

    return Operation(name="stock receipt (API POST)", run=run, iterations=100)


@operation
def stock_receipts_concurrent(ctx):
    """Throughput with contention: 4 writer threads × 25 receipts spread over 8 levels of
    one warehouse (so writers do queue on each other's row locks). One call = 100
    movements; movements/s = 100 000 / median ms."""
    import threading

    from django.db import connections

    from parts.services import stock_receive

    parts, _locations, warehouses = _objects()
    actor = ctx.users["supervisor"]
    hot = parts[:8]

    def writer(offset):
        try:
            for n in range(25):
                stock_receive(
                    part=hot[(offset + n) % len(hot)],
                    location=warehouses[0],
                    quantity=1,
                    actor=actor,
                )
        finally:
            connections.close_all()

    def run(i):
        threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    return Operation(
        name="stock receipts, 4 writers × 25 on 8 hot levels (100 movements/call)",
        run=run,
        iterations=10,
    )
