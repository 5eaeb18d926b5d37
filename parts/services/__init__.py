"""Every write of the parts app (style.md §2); see ``stock`` for the ledger's rules."""

from .alerts import reorder_digest_lines, reorder_digest_send
from .counts import stock_count_approve, stock_count_open, stock_count_record
from .stock import (
    location_create,
    location_create_van,
    location_update,
    part_create,
    part_update,
    stock_movement_post,
    stock_receive,
    stock_transfer,
)
from .tickets import (
    line_is_charged,
    recovered_part_refurbish,
    recovered_part_scrap,
    stock_issue_for_ticket,
    stock_release_for_ticket,
    stock_reserve_for_ticket,
)

__all__ = [
    "line_is_charged",
    "location_create",
    "location_create_van",
    "location_update",
    "part_create",
    "part_update",
    "recovered_part_refurbish",
    "recovered_part_scrap",
    "reorder_digest_lines",
    "reorder_digest_send",
    "stock_count_approve",
    "stock_count_open",
    "stock_count_record",
    "stock_issue_for_ticket",
    "stock_movement_post",
    "stock_receive",
    "stock_release_for_ticket",
    "stock_reserve_for_ticket",
    "stock_transfer",
]
