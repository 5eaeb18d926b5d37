"""The ticket serializer's fast path gives exactly what DRF's declared fields give."""

import datetime

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from tickets.api.serializers import TicketSerializer
from tickets.choices import TicketStatus
from tickets.selectors import ticket_list

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", list(TicketStatus))
@pytest.mark.parametrize("timezone_name", ["Asia/Shanghai", "UTC"])
def test_ticket_serializer_fast_path_equals_drf_fields(
    status, timezone_name, ticket_in, agent, technician, settings
):
    settings.TIME_ZONE = timezone_name
    ticket = ticket_in(status, fault_occurred_at=timezone.now() - datetime.timedelta(hours=3))
    ticket = ticket_list(user=agent).get(pk=ticket.pk)
    for user in (agent, technician.user):
        request = APIRequestFactory().get("/")
        request.user = user
        serializer = TicketSerializer(context={"request": request})
        fast = serializer.to_representation(ticket)
        generic = serializers.ModelSerializer.to_representation(serializer, ticket)
        assert fast == dict(generic)
        assert list(fast) == list(generic)
