"""Celery tasks of the KPI rollups: thin wrappers."""

from celery import shared_task

from . import services


@shared_task
def kpi_rollups_refresh_task():
    """Beat, every KPI_ROLLUP_REFRESH_SECONDS: recompute the dirty days of the rollups."""
    return [day.isoformat() for day in services.kpi_rollups_refresh()]
