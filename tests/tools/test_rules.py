"""The check-in rule: refused for an overdue or missing tool when the setting is on (the
service, the API, the job page and the offline replay), allowed with a warning when off,
allowed once the calibration is recorded."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditEvent
from technicians.tools import services
from technicians.tools.choices import InstrumentStatus
from technicians.tools.exceptions import ToolCalibrationOverdue
from technicians.tools.models import InstrumentKind
from technicians.tools.rules import check_in_tool_problems, missing_tools
from tests.tickets.factories import ProductCategoryFactory  # noqa: F401
from tickets import services as tickets
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def _kind(pk, code):
    return InstrumentKind(pk=pk, code=code, name=code.title())


class _Held:
    def __init__(self, kind_id, due, status="in_service", number="X"):
        self.kind_id, self.calibration_due_on, self.status, self.number = (
            kind_id,
            due,
            status,
            number,
        )


def test_missing_tools_is_a_pure_rule():
    today = datetime.date(2026, 12, 1)
    gauge, leak = _kind(1, "gauge"), _kind(2, "leak")
    held = [_Held(1, today), _Held(2, today - DAY), _Held(2, today + DAY, status="out_of_service")]
    problems = missing_tools(kinds=[gauge, leak], held=held, day=today)
    assert [p.kind_code for p in problems] == ["leak"]  # due today still counts
    assert len(problems[0].instruments) == 2
    assert missing_tools(kinds=[gauge], held=[], day=today)[0].instruments == []


def test_check_in_refused_for_an_overdue_tool_when_the_setting_is_on(
    settings, job_in, technician, equipped
):
    settings.TOOLS_REFUSE_OVERDUE_CHECKIN = True
    ticket = job_in("dispatched")
    with pytest.raises(ToolCalibrationOverdue) as refused:
        tickets.ticket_check_in(ticket=ticket, actor=technician.user)
    assert refused.value.code == "tool_calibration_overdue"
    assert "Leak detector" in refused.value.message
    assert "L-0001" in refused.value.message
    assert refused.value.extra == {"kinds": ["leak"], "instruments": ["L-0001"]}
    assert Ticket.objects.get(pk=ticket.pk).status == "dispatched"
    assert not AuditEvent.objects.filter(action="ticket.check_in", ticket_id=ticket.pk).exists()


def test_check_in_refused_when_no_tool_of_a_required_kind_is_held(
    settings, job_in, technician, aircon_needs, make_instrument
):
    settings.TOOLS_REFUSE_OVERDUE_CHECKIN = True
    make_instrument("gauge", due_in=60, holder=technician)
    ticket = job_in("dispatched")
    with pytest.raises(ToolCalibrationOverdue) as refused:
        tickets.ticket_check_in(ticket=ticket, actor=technician.user)
    assert "Leak detector: none held" in refused.value.message


def test_check_in_allowed_when_off_with_the_missing_kinds_recorded(
    settings, job_in, technician, equipped
):
    settings.TOOLS_REFUSE_OVERDUE_CHECKIN = False
    ticket = job_in("dispatched")
    ticket = tickets.ticket_check_in(ticket=ticket, actor=technician.user)
    assert ticket.status == "on_site"
    assert ticket.events.get(action="check_in").payload["tools_missing"] == ["leak"]


def test_check_in_allowed_once_the_calibration_is_recorded(
    settings, job_in, technician, supervisor, equipped
):
    settings.TOOLS_REFUSE_OVERDUE_CHECKIN = True
    ticket = job_in("dispatched")
    services.calibration_record(
        instrument=equipped["leak"],
        actor=supervisor,
        calibrated_on=timezone.localdate(),
        laboratory="Shanghai Metrology Institute",
        result="pass",
    )
    assert check_in_tool_problems(ticket=ticket) == []
    ticket = tickets.ticket_check_in(ticket=ticket, actor=technician.user)
    assert ticket.status == "on_site"
    assert "tools_missing" not in ticket.events.get(action="check_in").payload


def test_a_tool_out_of_service_does_not_count(settings, job_in, technician, supervisor, equipped):
    settings.TOOLS_REFUSE_OVERDUE_CHECKIN = True
    ticket = job_in("dispatched")
    services.calibration_record(
        instrument=equipped["leak"], actor=supervisor, calibrated_on=timezone.localdate(),
        laboratory="Lab", result="pass",
    )  # fmt: skip
    services.instrument_status_set(
        instrument=equipped["gauge"], actor=supervisor, status=InstrumentStatus.IN_CALIBRATION
    )
    with pytest.raises(ToolCalibrationOverdue) as refused:
        tickets.ticket_check_in(ticket=ticket, actor=technician.user)
    assert "G-0001" in refused.value.message


def test_a_category_without_requirements_checks_in(settings, job_in, technician):
    settings.TOOLS_REFUSE_OVERDUE_CHECKIN = True
    ticket = job_in("dispatched")
    assert tickets.ticket_check_in(ticket=ticket, actor=technician.user).status == "on_site"


def test_the_api_answers_409_with_the_code(settings, job_in, technician, equipped, api_client_for):
    settings.TOOLS_REFUSE_OVERDUE_CHECKIN = True
    ticket = job_in("dispatched")
    client = api_client_for(technician.user)
    response = client.post(f"/api/v1/tickets/{ticket.pk}/check_in/", {}, format="json")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "tool_calibration_overdue"
    assert "L-0001" in str(body)
    assert Ticket.objects.get(pk=ticket.pk).status == "dispatched"


def _check_in_data(ticket):
    return {"version": ticket.version, "outside_window_confirmed": "on"}


def test_the_job_page_shows_the_refusal(settings, client, job_in, technician, equipped):
    settings.TOOLS_REFUSE_OVERDUE_CHECKIN = True
    ticket = job_in("dispatched")
    client.force_login(technician.user)
    page = client.get(reverse("job-page", args=[ticket.pk])).content.decode()
    assert "Check-in will be refused" in page and "L-0001" in page
    response = client.post(reverse("job-check-in", args=[ticket.pk]), _check_in_data(ticket))
    assert response.status_code == 409
    text = response.content.decode()
    assert "is not calibrated" in text and "L-0001" in text
    assert Ticket.objects.get(pk=ticket.pk).status == "dispatched"


def test_the_job_page_warns_when_the_setting_is_off(settings, client, job_in, technician, equipped):
    settings.TOOLS_REFUSE_OVERDUE_CHECKIN = False
    ticket = job_in("dispatched")
    client.force_login(technician.user)
    page = client.get(reverse("job-page", args=[ticket.pk])).content.decode()
    assert "A required tool is not calibrated" in page and "L-0001" in page
    response = client.post(reverse("job-check-in", args=[ticket.pk]), _check_in_data(ticket))
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == "on_site"
    page = client.get(reverse("job-page", args=[ticket.pk])).content.decode()
    assert "A required tool is not calibrated" in page  # still warned while on site


def test_the_offline_replay_is_refused_the_same_way(settings, client, job_in, technician, equipped):
    settings.TOOLS_REFUSE_OVERDUE_CHECKIN = True
    ticket = job_in("dispatched")
    client.force_login(technician.user)
    headers = {"X-Offline-Replay": "1", "Idempotency-Key": str(uuid.uuid4())}
    response = client.post(
        reverse("job-check-in", args=[ticket.pk]), _check_in_data(ticket), headers=headers
    )
    assert response.status_code == 409
    answer = response.json()
    assert answer["outcome"] == "conflict"
    assert "L-0001" in answer["message"] and "Leak detector" in answer["message"]
    assert Ticket.objects.get(pk=ticket.pk).status == "dispatched"
