"""Celery queues by kind (issue 19): every task routed to a declared queue, and a flood of
notifications does not hold back the SLA sweep consumed by its own worker."""

import datetime
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from aftersales.celery import app
from aftersales.platform.services.notifications import NOTIFICATION_DELIVER_TASK
from tests.conftest import wait_for
from tests.tickets.factories import make_ticket
from tickets.models import SlaEvent

ROOT = Path(__file__).resolve().parents[2]


def _registered():
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if not name.startswith("celery."))


def test_every_task_is_routed_to_a_declared_queue():
    declared = {queue.name for queue in app.amqp.queues.values()}
    assert declared == set(settings.CELERY_QUEUE_NAMES)
    tasks = _registered()
    assert len(tasks) >= 20
    unrouted = [name for name in tasks if name not in settings.CELERY_TASK_ROUTES]
    assert not unrouted, f"add these tasks to CELERY_TASK_ROUTES: {unrouted}"
    stale = sorted(set(settings.CELERY_TASK_ROUTES) - set(tasks))
    assert not stale, f"CELERY_TASK_ROUTES names tasks that do not exist: {stale}"
    for name in tasks:
        # What publishing by name (aftersales.platform.queue.publish) resolves to.
        queue = app.amqp.router.route({}, name, args=(), kwargs={})["queue"]
        assert queue.name == settings.CELERY_TASK_ROUTES[name]["queue"]
        assert queue.name in declared
    assert app.amqp.router.route({}, "tickets.tasks.sla_sweep_task")["queue"].name == "sla"
    assert app.amqp.router.route({}, NOTIFICATION_DELIVER_TASK)["queue"].name == "notifications"


def _env():
    env = dict(os.environ)
    db = connection.settings_dict
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}{':' + db['PASSWORD'] if db['PASSWORD'] else ''}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env["DJANGO_SETTINGS_MODULE"] = "aftersales.settings.test"
    env["DB_CONN_MAX_AGE"] = "0"
    return env


def _worker(queues):
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "aftersales", "worker", "--queues", queues,
         "--pool", "solo", "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--hostname", f"{queues}@%h"],
        cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _alive(queues):
    replies = app.control.ping(destination=[f"{queues}@{socket.gethostname()}"], timeout=0.5)
    return bool(replies)


def _backlog(queue):
    with app.connection_for_write() as conn:
        return conn.default_channel.client.llen(queue)


FLOOD = 3000


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_flood_of_notifications_does_not_delay_the_sla_sweep(agent):
    ticket = make_ticket(actor=agent)
    app.control.purge()
    # The flood: FLOOD deliveries queued before any worker runs (ids of no row: each one
    # costs its worker a claim query, as a real burst of notices would cost more).
    with app.producer_or_acquire() as producer:
        for n in range(FLOOD):
            app.send_task(NOTIFICATION_DELIVER_TASK, args=(10**9 + n,), producer=producer)
    assert _backlog("notifications") == FLOOD
    workers = []
    try:
        # Each worker up and answering before the sweep is sent (a slow start under load
        # must not pass for a delay); the notifications worker eats the flood meanwhile.
        for queues in ("sla", "notifications"):
            workers.append(_worker(queues))
            assert wait_for(lambda q=queues: _alive(q), timeout=90), f"{queues} worker down"
        at = (timezone.now() + datetime.timedelta(hours=100)).isoformat()
        started = time.monotonic()
        app.send_task("tickets.tasks.sla_sweep_task", kwargs={"at": at})
        assert wait_for(lambda: SlaEvent.objects.filter(ticket=ticket).exists(), timeout=60)
        took = time.monotonic() - started
        left = _backlog("notifications")
        # The sweep ran while the flood still waited in its own queue.
        assert left > 0, (left, took)
        assert wait_for(lambda: _backlog("notifications") < left, timeout=30)  # consumed
    finally:
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
        for proc in workers:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        app.control.purge()
