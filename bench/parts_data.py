"""Stock data for the parts benchmarks: 10,000 parts × 500 locations = 5,000,000 levels.

Built once, in SQL inside PostgreSQL (INSERT … SELECT over generate_series, no rows
through Python), and reused while the shape matches. Only in a database whose name
contains "bench". The levels are synthetic opening balances: they are not backed by
5 million receipt movements (the ledger property is tested, not benchmarked).
"""

import time

from django.db import connection

PARTS, WAREHOUSES, OUTLETS, VANS = 10_000, 10, 90, 400
LOCATIONS = WAREHOUSES + OUTLETS + VANS
SKU_FAMILY = "BX"
REORDER_POINT = 2  # on hand spread over 0..99: about 3 % of levels are low


def _scalar(cursor, sql, params=None):
    cursor.execute(sql, params or [])
    return cursor.fetchone()[0]


def ensure_parts_data(log=print):
    """Create the parts, locations and levels unless they are already there."""
    if "bench" not in connection.settings_dict["NAME"]:
        raise SystemExit("parts bench data only goes into a database named *bench*")
    with connection.cursor() as cursor:
        parts = _scalar(cursor, "SELECT count(*) FROM parts_part WHERE sku LIKE %s", ["BX-%"])
        levels = _scalar(
            cursor, "SELECT reltuples::bigint FROM pg_class WHERE relname = 'parts_stocklevel'"
        )
        if parts == PARTS and levels >= PARTS * LOCATIONS * 0.9:
            return
        started = time.perf_counter()
        # A bulk load is not a change to audit: keep the safety-net triggers off (as
        # bench/datagen.py does), or 5 million level snapshots would be written too.
        cursor.execute("SET session_replication_role = replica")
        # Technicians point at their home outlet: let go of the old outlets first.
        cursor.execute(
            "UPDATE technicians_technician SET home_outlet_id = NULL"
            " WHERE home_outlet_id IS NOT NULL"
        )
        cursor.execute(
            "TRUNCATE parts_ticketpart, parts_stockreservation, parts_reorderalert, "
            "parts_stockcountline, parts_stockcount, parts_stockmovement, parts_stocklevel, "
            "parts_part_compatible_models, parts_part RESTART IDENTITY"
        )
        # Locations are referenced from technicians (home outlet): TRUNCATE refuses that
        # whatever the data, so a plain DELETE of these few hundred rows.
        cursor.execute("DELETE FROM parts_stocklocation")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('parts_stocklocation', 'id'), 1, false)"
        )
        category = _scalar(cursor, "SELECT min(id) FROM tickets_productcategory")
        cursor.execute(
            "INSERT INTO parts_part (sku, name, category_id, unit_cost, unit_price, approved,"
            " warranty_covered, reorder_point, reorder_quantity, active, created_at)"
            " SELECT %s || '-' || lpad(n::text, 5, '0'), 'Bench part ' || n, %s,"
            " 10 + n %% 90, 25 + n %% 200, n %% 50 <> 0, n %% 7 <> 0, %s, 20, true, now()"
            " FROM generate_series(0, %s - 1) n",
            [SKU_FAMILY, category, REORDER_POINT, PARTS],
        )
        cursor.execute(
            "INSERT INTO parts_stocklocation (code, name, kind, technician_id, area_id, active,"
            " created_at)"
            " SELECT 'BWH-' || n, 'Bench warehouse ' || n, 'warehouse', NULL::bigint,"
            " NULL::bigint, true, now() FROM generate_series(1, %s) n"
            " UNION ALL SELECT 'BOUT-' || n, 'Bench outlet ' || n, 'outlet', NULL::bigint,"
            " NULL::bigint, true, now() FROM generate_series(1, %s) n",
            [WAREHOUSES, OUTLETS],
        )
        cursor.execute(
            "INSERT INTO parts_stocklocation (code, name, kind, technician_id, area_id, active,"
            " created_at)"
            " SELECT 'VAN-' || t.employee_no, 'Van of ' || t.full_name, 'van', t.id, NULL::bigint,"
            " true, now() FROM technicians_technician t ORDER BY t.id LIMIT %s",
            [VANS],
        )
        locations = _scalar(cursor, "SELECT count(*) FROM parts_stocklocation")
        cursor.execute(
            "UPDATE technicians_technician t SET home_outlet_id = o.id"
            " FROM parts_stocklocation o"
            " WHERE o.code = 'BOUT-' || (1 + t.id %% %s)",
            [OUTLETS],
        )
        # Part-major order matches the unique (part, location) index: a sequential build.
        cursor.execute(
            "INSERT INTO parts_stocklevel (part_id, location_id, on_hand, reserved,"
            " below_reorder, updated_at)"
            " SELECT p.id, l.id, s.on_hand, 0, s.on_hand <= %s, now()"
            " FROM parts_part p CROSS JOIN parts_stocklocation l"
            " CROSS JOIN LATERAL (SELECT ((p.id * 7919 + l.id * 104729) %% 100)::int AS on_hand) s"
            " ORDER BY p.id, l.id",
            [REORDER_POINT],
        )
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("VACUUM ANALYZE parts_stocklevel")
        cursor.execute("ANALYZE parts_part")
        cursor.execute("ANALYZE parts_stocklocation")
        count = _scalar(cursor, "SELECT count(*) FROM parts_stocklevel")
        log(
            f"parts bench data: {PARTS:,} parts × {locations} locations = {count:,} levels"
            f" in {time.perf_counter() - started:.1f} s"
        )
