"""Two supervisors send the same notice at once (real threads, real PostgreSQL): every
customer is told once."""

import threading

import pytest
from django.db import connection

from aftersales.platform.models import Notification, NotificationKind
from tests.tickets.factories import CustomerFactory
from tickets.incidents import services
from tickets.incidents.exceptions import NoticeAlreadySent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # SQLite's test database is in memory, shared by the threads: "table is locked".
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]


def test_concurrent_sends_tell_each_customer_once(supervisor, make_user, world):
    other = make_user("supervisor", username="supervisor2")
    customers = [CustomerFactory(area=world["a1"], email=f"c{i}@example.com") for i in range(4)]
    for customer in [*customers, customers[0]]:
        world["ticket"](world["m1"], world["a1"], customer=customer)
    incident = services.incident_declare(actor=supervisor, title="Flood", grade="major")
    services.incident_rule_set(
        incident=incident, actor=supervisor, product_models=[world["m1"]], areas=[world["a1"]]
    )
    services.incident_link_by_rule(incident=incident, actor=supervisor)
    notice = services.incident_notice_draft(
        incident=incident, actor=supervisor, subject="Flood", body="We come to you."
    )
    barrier = threading.Barrier(4)
    outcomes = []

    def send(actor):
        try:
            barrier.wait()
            services.incident_notice_send(notice=notice, actor=actor)
            outcomes.append("sent")
        except NoticeAlreadySent:
            outcomes.append("already")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(a,)) for a in (supervisor, other) * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already", "already", "already", "sent"]
    emails = Notification.objects.filter(kind=NotificationKind.INCIDENT_NOTICE, channel="email")
    assert sorted(emails.values_list("customer_id", flat=True)) == sorted(c.pk for c in customers)
