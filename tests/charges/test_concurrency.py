"""Receipt numbers under concurrency (PostgreSQL, real threads): N writers drawing at
once get 1..N, no gap and no duplicate, and a rolled-back writer gives its number back."""

import threading

import pytest
from django.db import connection, connections, transaction

from tickets.charges.choices import SequenceKind
from tickets.charges.services import charge_number_next

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]

N = 12


class Rollback(Exception):
    pass


def test_concurrent_receipts_get_gapless_numbers():
    numbers, errors = [], []
    barrier = threading.Barrier(N)

    def draw(index):
        try:
            barrier.wait(timeout=30)
            try:
                with transaction.atomic():
                    number = charge_number_next(kind=SequenceKind.RECEIPT, year=2026)
                    if index % 4 == 3:  # every fourth writer fails after drawing
                        raise Rollback
                    numbers.append(number)
            except Rollback:
                pass
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    kept = N - N // 4
    assert sorted(numbers) == [f"RC-2026-{n:06d}" for n in range(1, kept + 1)]
    assert connection.vendor == "postgresql"
