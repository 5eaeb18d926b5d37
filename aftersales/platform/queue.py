"""Publishing Celery tasks from services: by name, after commit, never failing the request.

Services do not import the tasks that wrap them (``tasks`` imports ``services``, so the
other way round would be an import cycle); they publish by the task's registered name.
A publish happens only after the transaction committed, so a worker never looks for a
row that is not there yet, and a broker outage at that moment is logged rather than
turned into an error for a change that is already saved: what the task would have done
is recorded in an outbox row, and the beat's sweep publishes it again.
"""

import logging

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def publish(task_name, *args, **kwargs):
    """Send ``task_name`` to the broker now; False (logged) when the broker is unreachable."""
    try:
        current_app.send_task(task_name, args=args, kwargs=kwargs)
    except Exception:  # any transport error: the outbox sweep retries
        logger.warning("could not publish %s%r; the outbox sweep will retry", task_name, args)
        return False
    return True


def publish_on_commit(task_name, *args, **kwargs):
    """Publish ``task_name`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: publish(task_name, *args, **kwargs), robust=True)
