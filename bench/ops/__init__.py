"""Benchmark operations, one module per area; importing a module registers its operations."""

from . import (  # noqa: F401
    audits,
    board,
    console,
    control_room,
    job_page,
    kpi_pages,
    outlets,
    parts,
    public,
    quality_pages,
    queue,
    search,
    sla,
    technicians_pages,
    tickets,
    tokens,
    trail_pages,
    work_order,
)
