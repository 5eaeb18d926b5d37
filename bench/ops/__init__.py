"""Benchmark operations, one module per area; importing a module registers its operations."""

from . import (  # noqa: F401
    audits,
    board,
    charges,
    console,
    control_room,
    job_page,
    kpi_pages,
    parts,
    public,
    quality_pages,
    queue,
    search,
    settlement,
    sla,
    technicians_pages,
    tickets,
    tokens,
    trail_pages,
    warranty,
    work_order,
)
