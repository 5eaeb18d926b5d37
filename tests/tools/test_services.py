"""The ledger's services: calibrations, issue and return, the reminders (once per due
date), roles (technicians cannot edit, supervisors can)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftersales.exceptions import ActionForbidden
from aftersales.platform.models import Notification
from audits.models import AuditEvent
from technicians.tools import services
from technicians.tools.exceptions import InstrumentUnavailable
from technicians.tools.models import HolderChange

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def test_a_pass_sets_the_due_date_and_puts_it_in_service(supervisor, make_instrument):
    instrument = make_instrument("gauge", due_in=-5)
    today = timezone.localdate()
    record = services.calibration_record(
        instrument=instrument, actor=supervisor, calibrated_on=today, laboratory="Lab",
        result="pass", certificate_number="C-1",
    )  # fmt: skip
    instrument.refresh_from_db()
    assert record.next_due_on == instrument.calibration_due_on
    assert instrument.calibration_due_on.year == today.year + 1
    assert instrument.last_calibrated_on == today
    assert instrument.status == "in_service"
    event = AuditEvent.objects.get(action="calibration.recorded")
    assert event.changes["result"] == "pass"


def test_a_fail_takes_it_out_of_service(supervisor, make_instrument):
    instrument = make_instrument("gauge", due_in=3)
    services.calibration_record(
        instrument=instrument, actor=supervisor, calibrated_on=timezone.localdate(),
        laboratory="Lab", result="fail",
    )  # fmt: skip
    instrument.refresh_from_db()
    assert instrument.status == "out_of_service"


def test_a_calibration_in_the_future_is_refused(supervisor, make_instrument):
    instrument = make_instrument()
    with pytest.raises(ValidationError) as refused:
        services.calibration_record(
            instrument=instrument, actor=supervisor, laboratory="Lab", result="pass",
            calibrated_on=timezone.localdate() + DAY,
        )  # fmt: skip
    assert "calibrated_on" in refused.value.message_dict


def test_issue_and_return_are_history(supervisor, technician, make_instrument, store):
    instrument = make_instrument()
    services.instrument_issue(instrument=instrument, actor=supervisor, technician=technician)
    with pytest.raises(InstrumentUnavailable):
        services.instrument_issue(instrument=instrument, actor=supervisor, technician=technician)
    services.instrument_return(instrument=instrument, actor=supervisor, location=store)
    instrument.refresh_from_db()
    assert instrument.holder is None and instrument.location == store
    assert [c.kind for c in HolderChange.objects.order_by("id")] == ["issue", "return"]
    assert (
        AuditEvent.objects.filter(action__in=["instrument.issued", "instrument.returned"]).count()
        == 2
    )


def test_a_number_is_unique(supervisor, make_instrument):
    make_instrument(number="N-1")
    with pytest.raises(ValidationError) as refused:
        make_instrument(number="N-1")
    assert "number" in refused.value.message_dict


def test_technicians_cannot_edit_the_ledger(technician, make_instrument, kinds, store):
    instrument = make_instrument()
    with pytest.raises(ActionForbidden):
        services.instrument_create(
            actor=technician.user, number="X", kind=kinds["gauge"], location=store
        )
    with pytest.raises(ActionForbidden):
        services.calibration_record(
            instrument=instrument, actor=technician.user, calibrated_on=timezone.localdate(),
            laboratory="Lab", result="pass",
        )  # fmt: skip
    with pytest.raises(ActionForbidden):
        services.instrument_issue(
            instrument=instrument, actor=technician.user, technician=technician
        )


def test_the_reminder_goes_once_before_and_once_on_the_due_date(
    settings, supervisor, technician, make_instrument
):
    settings.TOOLS_CALIBRATION_REMINDER_DAYS = 14
    today = timezone.localdate()
    instrument = make_instrument("gauge", due_in=10, holder=technician)
    make_instrument("leak", due_in=40, holder=technician)  # not yet
    assert services.calibration_reminder_sweep(today=today) == (1, 0)
    assert services.calibration_reminder_sweep(today=today) == (0, 0)
    assert services.calibration_reminder_sweep(today=today + 3 * DAY) == (0, 0)
    rows = Notification.objects.filter(kind="calibration_due")
    recipients = {n.user_id for n in rows}
    assert recipients == {technician.user_id, supervisor.pk}
    sent = rows.count()
    subject = rows.filter(user=technician.user).first().subject
    assert instrument.number in subject
    # On the due date: one notice, once.
    assert services.calibration_reminder_sweep(today=today + 10 * DAY) == (0, 1)
    assert services.calibration_reminder_sweep(today=today + 11 * DAY) == (0, 0)
    assert Notification.objects.filter(kind="calibration_due").count() == 2 * sent
    # A new calibration gives a new due date: reminded again when that one nears.
    services.calibration_record(
        instrument=instrument, actor=supervisor, calibrated_on=today, laboratory="Lab",
        result="pass", next_due_on=today + 20 * DAY,
    )  # fmt: skip
    assert services.calibration_reminder_sweep(today=today + 10 * DAY) == (1, 0)


def test_an_instrument_overdue_when_first_seen_gets_one_notice(supervisor, make_instrument):
    make_instrument("gauge", due_in=-30)
    assert services.calibration_reminder_sweep() == (0, 1)
    assert services.calibration_reminder_sweep() == (0, 0)


def test_the_reminder_task_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["calibration-reminder-sweep"]
    assert entry["task"] == "technicians.tools.tasks.calibration_reminder_sweep_task"
