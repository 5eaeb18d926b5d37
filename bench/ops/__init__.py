"""Benchmark operations, one module per area; importing a module registers its operations."""

from . import audits, parts, search, sla, tickets  # noqa: F401
