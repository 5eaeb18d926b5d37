"""Benchmark operations, one module per area; importing a module registers its operations."""

from . import audits, board, console, parts, queue, search, sla, tickets  # noqa: F401
