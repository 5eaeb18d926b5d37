"""Benchmark operations, one module per area; importing a module registers its operations."""

from . import sla, tickets  # noqa: F401
