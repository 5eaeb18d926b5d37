"""The persistent connections' health check (aftersales/postgresql/base.py): skipped while
the connection served a request a moment ago, made when it sat idle longer, and a
connection the server dropped is replaced either way. Against the real PostgreSQL: the
server end of the connection is killed with ``pg_terminate_backend``."""

import psycopg2
import pytest
from django.db import OperationalError, connection, connections

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def checks(monkeypatch):
    """The ``SELECT 1`` health checks made, counted."""
    made = []
    real = connection.is_usable

    def is_usable():
        made.append(1)
        return real()

    monkeypatch.setattr(connection, "is_usable", is_usable)
    return made


def _request():
    """What a request does to the connection: Django's request_started handler, a query,
    the request_finished handler. Returns the server process that answered."""
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    connection.close_if_unusable_or_obsolete()
    return pid


def _kill(pid):
    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"],
        host=settings["HOST"], port=settings["PORT"] or 5432,
    )  # fmt: skip
    other.autocommit = True
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    other.close()


def test_the_backend_and_its_settings():
    assert connection.vendor == "postgresql"
    assert type(connections["default"]).__module__ == "aftersales.postgresql.base"
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.health_check_bypass == 1.0


def test_a_connection_that_just_served_a_request_is_not_checked_again(checks):
    connection.close()
    pids = {_request() for _ in range(5)}
    assert len(pids) == 1  # one persistent connection
    assert checks == []  # new, then known good from one request to the next


def test_with_no_bypass_every_request_is_checked_as_django_does(checks, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "HEALTH_CHECK_BYPASS_SECONDS", 0)
    connection.close()
    pids = {_request() for _ in range(5)}
    assert len(pids) == 1
    assert len(checks) == 4  # all but the first, whose connection was new


def test_an_idle_connection_is_checked_and_a_dropped_one_replaced(checks):
    connection.close()
    first = _request()
    _kill(first)
    connection._known_good_at -= 2  # idle for longer than the window
    second = _request()
    assert checks == [1]
    assert second != first


def test_a_drop_within_the_window_fails_one_request_and_the_next_reconnects(checks):
    connection.close()
    first = _request()
    _kill(first)
    connection.close_if_unusable_or_obsolete()
    with pytest.raises(OperationalError), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    connection.close_if_unusable_or_obsolete()  # the failed request ends: closed
    assert connection.connection is None
    assert _request() != first
