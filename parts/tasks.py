"""Celery tasks of the parts app: thin wrappers around one service."""

from celery import shared_task

from . import services


@shared_task
def reorder_digest_task():
    """Beat, daily at REORDER_DIGEST_HOUR: queue the supervisors' digest of the parts at
    or below their reorder point, with a suggested transfer (delivered by the outbox)."""
    return services.reorder_digest_send()
