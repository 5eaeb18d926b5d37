"""The daily reorder digest task and its beat entry."""

import pytest
from django.conf import settings

from parts import tasks
from tests.parts.factories import LocationFactory, PartFactory

pytestmark = pytest.mark.django_db


def test_digest_mails_supervisors_with_a_suggested_transfer(
    make_user, mailoutbox, stock, warehouse, supervisor, deliver_notifications
):
    make_user("supervisor", username="boss", email="boss@example.com")
    make_user("agent", username="desk", email="desk@example.com")
    outlet = LocationFactory(code="OUT-1", kind="outlet")
    part = PartFactory(reorder_point=2, reorder_quantity=6)
    stock(part, warehouse, 20)
    stock(part, outlet, 1)
    assert tasks.reorder_digest_task.apply().get() == 1
    deliver_notifications()  # the outbox's worker, after the commit
    [mail] = mailoutbox
    assert mail.to == ["boss@example.com"]
    assert part.sku in mail.body and "OUT-1" in mail.body and "WH-MAIN" in mail.body


def test_digest_sends_nothing_when_nothing_is_low(make_user, mailoutbox, stock, warehouse):
    make_user("supervisor", username="boss", email="boss@example.com")
    stock(PartFactory(reorder_point=2), warehouse, 10)
    assert tasks.reorder_digest_task.apply().get() == 0
    assert mailoutbox == []


def test_digest_is_scheduled_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["parts-reorder-digest"]
    assert entry["task"] == "parts.tasks.reorder_digest_task"
    assert entry["schedule"].hour == {settings.REORDER_DIGEST_HOUR}
