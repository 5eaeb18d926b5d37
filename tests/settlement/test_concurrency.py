"""Two reviewers at once, and two builds at once, on PostgreSQL with real threads."""

import threading

import pytest
from django.db import connection

from aftersales.exceptions import InvalidTransition
from audits.models import AuditEvent
from tickets.settlement import services
from tickets.settlement.choices import StatementStatus
from tickets.settlement.models import Statement

from .conftest import MONTH, make_outlet

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]


def _race(*calls):
    """Run the calls in threads released together; each result or exception, in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # the test inspects what each thread got
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_reviewers_approving_at_once_approve_once(make_user):
    finance, first, second = (make_user("finance") for _ in range(3))
    outlet = make_outlet()
    statement = services.statement_build(outlet=outlet, month=MONTH, actor=finance)
    statement = services.statement_submit(statement=statement, actor=finance)

    results = _race(
        lambda: services.statement_approve(statement=statement, actor=first),
        lambda: services.statement_approve(statement=statement, actor=second),
    )

    approved = [r for r in results if isinstance(r, Statement)]
    refused = [r for r in results if isinstance(r, InvalidTransition)]
    assert len(approved) == 1 and len(refused) == 1, results
    statement.refresh_from_db()
    assert statement.status == StatementStatus.APPROVED
    assert statement.version == approved[0].version
    assert AuditEvent.objects.filter(action="statement.approved").count() == 1


def test_approve_and_return_at_once_leave_one_decision(make_user):
    finance, approver, returner = (make_user("finance") for _ in range(3))
    outlet = make_outlet()
    statement = services.statement_build(outlet=outlet, month=MONTH, actor=finance)
    statement = services.statement_submit(statement=statement, actor=finance)

    results = _race(
        lambda: services.statement_approve(statement=statement, actor=approver),
        lambda: services.statement_return(statement=statement, actor=returner, comment="No"),
    )

    assert sum(isinstance(r, Statement) for r in results) == 1, results
    statement.refresh_from_db()
    decided = AuditEvent.objects.filter(
        action__in=["statement.approved", "statement.returned"]
    ).values_list("action", flat=True)
    assert list(decided) == [f"statement.{statement.status}"]


def test_two_builds_at_once_make_one_statement(make_user):
    finance = make_user("finance")
    outlet = make_outlet()
    results = _race(
        lambda: services.statement_build(outlet=outlet, month=MONTH, actor=finance),
        lambda: services.statement_build(outlet=outlet, month=MONTH, actor=finance),
    )
    assert all(isinstance(r, Statement) for r in results), results
    assert Statement.objects.filter(outlet=outlet).count() == 1
    assert Statement.objects.get(outlet=outlet).version == 3
