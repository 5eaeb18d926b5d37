"""Model helpers."""

import pytest

pytestmark = pytest.mark.django_db


def test_choice_display_labels_follow_the_active_language(agent):
    from django.utils import translation

    from tests.tickets.factories import make_ticket

    ticket = make_ticket(actor=agent)
    assert ticket.get_status_display() == "New"
    with translation.override("zh-hans"):
        assert ticket.get_status_display() != "New"
        assert ticket.get_category_display() != "Repair"
    ticket.status = "no-such-status"
    assert ticket.get_status_display() == "no-such-status"
