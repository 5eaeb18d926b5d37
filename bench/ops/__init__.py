"""Benchmark operations, one module per area; importing a module registers its operations."""

from . import tickets  # noqa: F401
