"""Shared fixtures: persona API clients, a clean cache, and the service guard for CI."""

import os

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from aftersales.roles import Role
from tests.browser import chromium, open_page  # noqa: F401  (browser fixtures, by name)


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = settings.CELERY_BROKER_URL.split("://")[0]
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return f"aftersales: database={engine} broker={broker} cache={cache}"


@pytest.fixture(scope="session", autouse=True)
def _fast_flush(django_db_setup, django_db_blocker):
    """Transactional tests empty the database by DELETE, not TRUNCATE (tests/flush.py)."""
    from tests import flush

    with django_db_blocker.unblock():
        flush.install()


@pytest.fixture(scope="session", autouse=True)
def _require_services():
    """In CI the suite must run on PostgreSQL + Redis: fail loudly, never skip."""
    if os.environ.get("AFTERSALES_REQUIRE_SERVICES") != "1":
        return
    from django.db import connection

    assert connection.vendor == "postgresql", (
        "AFTERSALES_REQUIRE_SERVICES=1 but the database is not PostgreSQL"
    )
    import redis

    assert settings.CELERY_BROKER_URL.startswith("redis://"), "Redis broker required"
    redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=3).ping()


@pytest.fixture(autouse=True)
def _default_language():
    """A request's LocaleMiddleware leaves its language active in the thread; start clean."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    # Only our keys: FLUSHDB would also wipe the Celery broker queues sharing the Redis db.
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _force_login_completes_the_second_factor(request, monkeypatch):
    """``client.force_login(user)`` stands for a finished sign-in. For a user who must use
    a second factor (supervisors, staff: aftersales.roles.second_factor_required) that
    includes the code, so the session is verified with a real confirmed TOTP device, as
    the verification page would leave it. The rule itself stays on: sign-ins through the
    pages still ask for the code, and a test marked ``second_factor_unverified`` gets
    Django's plain ``force_login``."""
    if request.node.get_closest_marker("second_factor_unverified"):
        return
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from aftersales.roles import second_factor_required

        if second_factor_required(user):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="tests", confirmed=True)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
            self.cookies[settings.SESSION_COOKIE_NAME] = session.session_key

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def make_user(db):
    """make_user("agent") → a user in that role group (password "pw-<username>")."""
    from django.contrib.auth import get_user_model

    counter = {"n": 0}

    def factory(role=None, username=None, **extra):
        counter["n"] += 1
        username = username or f"{role or 'user'}{counter['n']}"
        user = get_user_model().objects.create_user(
            username=username, password=f"pw-{username}", **extra
        )
        if role:
            # get_or_create: transactional tests flush the groups the migration made.
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    return factory


def _client_for(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.user = user
    return client


@pytest.fixture
def api_client_for():
    return _client_for


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def agent(make_user):
    return make_user(Role.AGENT, username="agent")


@pytest.fixture
def supervisor(make_user):
    return make_user(Role.SUPERVISOR, username="supervisor")


@pytest.fixture
def auditor(make_user):
    return make_user(Role.AUDITOR, username="auditor")


@pytest.fixture
def integrator(make_user):
    return make_user(Role.INTEGRATOR, username="integrator")


@pytest.fixture
def technician(db):
    from tests.tickets.factories import TechnicianFactory

    return TechnicianFactory(user__username="tech1")


@pytest.fixture
def agent_client(agent):
    return _client_for(agent)


@pytest.fixture
def supervisor_client(supervisor):
    return _client_for(supervisor)


@pytest.fixture
def auditor_client(auditor):
    return _client_for(auditor)


@pytest.fixture
def integrator_client(integrator):
    return _client_for(integrator)


@pytest.fixture
def technician_client(technician):
    return _client_for(technician.user)


@pytest.fixture
def supervisor_admin(client, supervisor):
    """A Django test client signed in to the admin as a supervisor (``is_staff``, with the
    admin permissions every ``migrate`` grants the group)."""
    from aftersales.roles import grant_supervisor_admin_permissions

    grant_supervisor_admin_permissions()
    supervisor.is_staff = True
    supervisor.save()
    client.force_login(supervisor)
    client.user = supervisor
    return client


def wait_for(predicate, timeout=45.0):
    """Poll ``predicate`` until true or ``timeout`` seconds pass (for worker round trips).
    Generous: a true predicate returns at once, and on a CI machine running two test
    processes a worker reconnecting to a restarted broker has taken over 15 s."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def worker(transactional_db):
    """A real Celery worker on the configured broker (Redis in CI), in this process."""
    from celery.contrib.testing.worker import start_worker

    from aftersales.celery import app as celery_app

    celery_app.control.purge()  # messages left by earlier runs must not reach this worker
    with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        yield


@pytest.fixture(scope="session", autouse=True)
def _sqlite_flush_keeps_audit_triggers():
    """Transactional tests end with a flush, which on SQLite is DELETE FROM every table;
    the audit trail's append-only trigger refuses that. Drop the trigger for the flush and
    put it back in the same statement list (PostgreSQL flushes with TRUNCATE, which the
    row trigger does not see)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    import importlib

    from django.db.backends.sqlite3.operations import DatabaseOperations

    triggers = importlib.import_module("audits.migrations.0004_auditevent_append_only_triggers")
    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        if "audits_auditevent" not in tables:
            return statements
        return [*triggers.SQLITE_REMOVE, *statements, *triggers.SQLITE_INSTALL]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


@pytest.fixture
def receiver():
    """A local HTTP receiver answering with the codes queued in ``codes`` (then 200); an
    item may also be ``(code, body_bytes)`` for receivers that read the answer (SMS)."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received, codes = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            item = codes.pop(0) if codes else 200
            code, answer = item if isinstance(item, tuple) else (item, b"")
            self.send_response(code)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received, codes
    server.shutdown()


@pytest.fixture
def deliver_notifications(db):
    """deliver_notifications() → one delivery attempt of every pending notification, here
    and now, as the worker does after commit (tests inside a rolled-back transaction never
    reach the commit). Returns how many were sent."""
    from aftersales.platform.models import Notification, NotificationStatus
    from aftersales.platform.services import notification_deliver

    def deliver():
        pending = Notification.objects.filter(status=NotificationStatus.PENDING)
        ids = list(pending.order_by("id").values_list("id", flat=True))
        for pk in ids:
            notification_deliver(notification_id=pk)
        return Notification.objects.filter(pk__in=ids, status=NotificationStatus.SENT).count()

    return deliver
