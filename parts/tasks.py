"""Celery tasks of the parts app: thin wrappers around one service."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def reorder_digest_task():
    """Beat, daily at REORDER_DIGEST_HOUR: mail supervisors the parts at or below their
    reorder point, with a suggested transfer (retried on mail errors)."""
    return services.reorder_digest_send()
