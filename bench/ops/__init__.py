"""Benchmark operations, one module per area; importing a module registers its operations."""

from . import audits, board, console, control_room, job_page, parts, queue, search, sla, tickets  # noqa: F401
