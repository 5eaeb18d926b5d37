"""The certificate expiry sweep through the real broker and a worker."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from technicians.models import Certification
from technicians.tasks import certification_expiry_sweep_task
from tests.conftest import wait_for
from tests.tickets.factories import CertificationFactory


@pytest.mark.broker
def test_expiry_sweep_task_mails_holder_and_supervisors_once_not_daily(
    worker, supervisor, technician
):
    supervisor.email = "boss@example.com"
    supervisor.save()
    technician.user.email = "tech1@example.com"
    technician.user.save()
    certificate = CertificationFactory(
        technician=technician, expires_on=timezone.localdate() + datetime.timedelta(days=25)
    )

    certification_expiry_sweep_task.delay()
    # One message per recipient (the outbox writes a row per recipient and channel).
    assert wait_for(lambda: len(mail.outbox) == 2), "the reminder never arrived"
    # The beat runs it again, the same day and the next: no second message.
    certification_expiry_sweep_task.delay()
    certification_expiry_sweep_task.delay(
        (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    )
    assert not wait_for(lambda: len(mail.outbox) > 2, timeout=3)
    assert sorted(to for message in mail.outbox for to in message.to) == [
        "boss@example.com",
        "tech1@example.com",
    ]
    assert all(certificate.number in message.subject for message in mail.outbox)
    stored = Certification.objects.get(pk=certificate.pk)
    assert (stored.status, stored.notified_30_on) == ("expiring", timezone.localdate())
