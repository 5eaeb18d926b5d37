"""Benchmark operations, one module per area; importing a module registers its operations."""

from . import audits, board, console, control_room, parts, queue, search, sla, tickets  # noqa: F401

