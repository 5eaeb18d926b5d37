"""Races on real PostgreSQL, each writer on its own connection: two issues of one name,
and a rotation against a revocation. The loser gets the service's refusal, never a 500."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from aftersales.exceptions import ApplicationError
from aftersales.tokens import services
from aftersales.tokens.models import IntegratorToken, TokenStatus, token_digest

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and unique-index waits"
    ),
    pytest.mark.django_db(transaction=True),
]


def _in_thread(target):
    box = {}

    def run():
        try:
            box["result"] = target()
        except Exception as exc:  # the loser's refusal is the result under test
            box["result"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def _waiting_on_a_lock(timeout=10):
    """Block until another connection waits on a lock (it is inside the race window)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError("the other writer never waited on a lock")


def test_two_issues_of_one_name_at_once_give_one_token_and_a_400(shop, supervisor):
    """The first writer's row is not committed yet when the second checks the name: the
    second passes the check, waits on the unique index, and gets a ValidationError."""
    first_inserted, commit_first = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            result = services.integrator_token_create(user=shop, name="ERP", actor=supervisor)
            first_inserted.set()
            commit_first.wait(10)
        return result

    first_thread, first_box = _in_thread(first)
    assert first_inserted.wait(10)
    second_thread, second_box = _in_thread(
        lambda: services.integrator_token_create(user=shop, name="ERP", actor=supervisor)
    )
    _waiting_on_a_lock()
    commit_first.set()
    first_thread.join(10)
    second_thread.join(10)

    _token, key = first_box["result"]
    assert isinstance(second_box["result"], ValidationError)
    assert "name" in second_box["result"].message_dict
    assert list(IntegratorToken.objects.values_list("digest", flat=True)) == [token_digest(key)]


def test_a_rotation_waiting_on_a_revocation_is_refused_and_draws_no_key(shop, issue, supervisor):
    token, key = issue(shop)
    revoked, release = threading.Event(), threading.Event()

    def revoke():
        with transaction.atomic():
            services.integrator_token_revoke(token=token, actor=supervisor)
            revoked.set()
            release.wait(10)

    revoker, _box = _in_thread(revoke)
    assert revoked.wait(10)
    rotator, rotated = _in_thread(
        lambda: services.integrator_token_rotate(token=token, actor=supervisor)
    )
    _waiting_on_a_lock()
    release.set()
    revoker.join(10)
    rotator.join(10)

    assert isinstance(rotated["result"], ApplicationError)
    assert rotated["result"].code == "token_revoked"
    token.refresh_from_db()
    assert token.status == TokenStatus.REVOKED and token.digest == token_digest(key)
