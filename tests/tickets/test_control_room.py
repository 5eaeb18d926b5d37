"""The control room (/dashboard/): its figures for all areas and one, the daily figures
behind its charts (refresh, rebuild), the CSV of each chart, the poll's fragment, bad
input, roles, Chinese, and a query count that does not grow with the data."""

import csv
import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parts.models import ReorderAlert
from tests.parts.factories import LocationFactory, PartFactory
from tickets import services
from tickets.control_room import control_room, week_start
from tickets.models import Ticket, TicketDailyStat
from tickets.selectors import sla_met_rates

from .factories import AreaFactory, CustomerFactory, make_ticket

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _uncached(settings):
    """Every test reads fresh figures; test_the_live_figures_are_shared_until_a_write turns
    the cache on."""
    settings.CONTROL_ROOM_CACHE_SECONDS = 0


@pytest.fixture
def desk(client, supervisor):
    """A supervisor signed in to the pages (a session, not the API's token)."""
    client.force_login(supervisor)
    return client


@pytest.fixture
def areas():
    return AreaFactory(code="pudong", name="Pudong"), AreaFactory(code="minhang", name="Minhang")


def _ticket(agent, area, **fields):
    return make_ticket(actor=agent, customer=CustomerFactory(area=area), **fields)


def _at_risk(ticket, now):
    Ticket.objects.filter(pk=ticket.pk).update(
        response_warn_at=now - HOUR, response_due_at=now + HOUR
    )


def _breached(ticket, now, late=HOUR):
    Ticket.objects.filter(pk=ticket.pk).update(
        response_warn_at=now - 2 * late, response_due_at=now - late
    )


@pytest.fixture
def floor(agent, areas):
    """Pudong: 2 at risk (10 and 50 min left), 2 breached (1 h and 3 h late), a complaint
    not yet with a supervisor, an escalation; Minhang: one on track, one complaint triaged."""
    pudong, minhang = areas
    now = timezone.now()
    soon, later = _ticket(agent, pudong), _ticket(agent, pudong)
    Ticket.objects.filter(pk=soon.pk).update(
        response_warn_at=now - HOUR, response_due_at=now + datetime.timedelta(minutes=10)
    )
    Ticket.objects.filter(pk=later.pk).update(
        response_warn_at=now - HOUR, response_due_at=now + datetime.timedelta(minutes=50)
    )
    late, latest = _ticket(agent, pudong), _ticket(agent, pudong)
    _breached(late, now)
    _breached(latest, now, late=3 * HOUR)
    complaint = _ticket(agent, pudong, category="complaint")
    services.ticket_escalate(ticket=late, actor=agent, reason="Customer called twice")
    calm = _ticket(agent, minhang, channel="web")
    handled = _ticket(agent, minhang, category="complaint")
    services.ticket_triage(
        ticket=handled, actor=agent, priority="p2", warranty_decision="in_warranty"
    )
    return {
        "soon": soon, "later": later, "late": late, "latest": latest,
        "complaint": complaint, "calm": calm, "handled": handled, "now": now,
    }  # fmt: skip


def test_every_area_tiles_count_the_open_backlog_and_today(floor, areas):
    room = control_room(now=floor["now"])
    tiles = room.tiles
    assert tiles["open"] == Ticket.objects.open().count() == 7
    assert tiles["at_risk"] == 2 and tiles["breached"] == 2
    assert tiles["escalated"] == 1 and tiles["complaints"] == 2
    assert tiles["opened_today"] == 7 and tiles["closed_today"] == 0
    assert room.by_status["new"] == 6 and room.by_status["triaged"] == 1
    assert {area.code: n for area, n in room.by_area} == {"pudong": 5, "minhang": 2}


def test_one_area_counts_only_its_tickets(floor, areas):
    pudong, minhang = areas
    room = control_room(area=minhang, now=floor["now"])
    assert room.tiles["open"] == 2 and room.tiles["at_risk"] == 0
    assert room.tiles["breached"] == 0 and room.tiles["complaints"] == 1
    assert [t.number for t in room.at_risk] == []
    room = control_room(area=pudong, now=floor["now"])
    assert room.tiles["open"] == 5 and room.tiles["complaints"] == 1


def test_at_risk_by_time_left_breached_by_how_late(floor):
    room = control_room(now=floor["now"])
    assert [t.pk for t in room.at_risk] == [floor["soon"].pk, floor["later"].pk]
    assert [t.pk for t in room.breached] == [floor["latest"].pk, floor["late"].pk]
    assert room.at_risk[0].reading.due_at > floor["now"]
    assert [t.pk for t in room.escalations] == [floor["late"].pk]


def test_complaints_show_the_four_hour_rule(floor):
    Ticket.objects.filter(pk=floor["complaint"].pk).update(created_at=floor["now"] - 5 * HOUR)
    room = control_room(now=floor["now"])
    rows = {row.ticket.pk: row for row in room.complaints}
    waiting, handled = rows[floor["complaint"].pk], rows[floor["handled"].pk]
    assert not waiting.reached and waiting.overdue
    assert handled.reached and not handled.overdue
    assert room.complaints[0].ticket.pk == floor["complaint"].pk  # not yet reached: first


def _close_in_time(agent, area, *, channel="phone", satisfaction=None):
    ticket = _ticket(agent, area, channel=channel)
    services.ticket_triage(
        ticket=ticket, actor=agent, priority="p2", warranty_decision="in_warranty"
    )
    fields = {"closed_at": timezone.now(), "status": "closed"}
    if satisfaction:
        fields["satisfaction"] = satisfaction
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    return ticket


def test_daily_figures_match_the_sla_report_and_intake(agent, areas):
    pudong, minhang = areas
    now = timezone.now()
    _close_in_time(agent, pudong, satisfaction=5)  # responded in time (triaged at once)
    _close_in_time(agent, minhang, channel="web", satisfaction=3)
    _breached(_ticket(agent, pudong, channel="email"), now)
    written = services.ticket_daily_stats_refresh(now=now)
    assert written == TicketDailyStat.objects.count() == 3
    room = control_room(now=now)
    start = timezone.make_aware(
        datetime.datetime.combine(week_start(timezone.localdate(now)), datetime.time.min)
    )
    rates = sla_met_rates(start=start, end=start + datetime.timedelta(days=7), now=now)
    assert room.tiles["response_met_pct"] == rates["response"]["met_pct"] == 66.7
    assert room.weeks[-1][1] == 66.7
    assert room.tiles["satisfaction"] == 4.0 and room.tiles["satisfaction_answers"] == 2
    assert room.intake["phone"][-1] == 1 and room.intake["web"][-1] == 1
    assert room.intake["email"][-1] == 1 and sum(room.intake["api"]) == 0
    assert len(room.weeks) == 12 and len(room.intake_days) == 30
    one = control_room(area=minhang, now=now)
    assert one.tiles["response_met_pct"] == 100.0 and one.tiles["satisfaction"] == 3.0
    # A second refresh replaces the rows; the rebuild command covers any range.
    assert services.ticket_daily_stats_refresh(now=now) == 3
    TicketDailyStat.objects.all().delete()
    out = io.StringIO()
    call_command("ticket_stats_rebuild", "--all", stdout=out)
    assert TicketDailyStat.objects.count() == 3 and "3 daily rows" in out.getvalue()


def test_the_page_shows_every_panel_with_labels(desk, floor):
    services.ticket_daily_stats_refresh()
    html = desk.get("/dashboard/").content.decode()
    for text in (
        "Control room", "SLA at risk", "Complaints open", "Response SLA met, this week",
        "Backlog by status", "Backlog by area", "SLA met % by week",
        "Intake by channel per day", "Open escalations", "Open complaints", "Low stock",
        floor["soon"].number, "At risk · 10 min left", "Breached 3 h ago", "Level 1",
    ):  # fmt: skip
        assert text in html, text
    shown = re.sub(r'[\w-]+="[^"]*"', "", html)  # the text, not the links' queries
    assert "awaiting_confirmation" not in shown and "on_site" not in shown
    assert 'hx-trigger="every 30s"' in html and "X-Background-Refresh" in html
    assert "/tickets/?view=at_risk" in html and "data-countdown" in html


def test_the_area_filter_narrows_every_panel_and_keeps_the_choice(desk, floor):
    html = desk.get("/dashboard/", {"area": "minhang"}).content.decode()
    assert floor["handled"].number in html and floor["soon"].number not in html
    assert '<option value="minhang" selected>' in html
    assert 'hx-get="/dashboard/?area=minhang"' in html
    assert "/dashboard/charts/backlog-status.csv?area=minhang" in html
    assert "/tickets/?view=at_risk&amp;area=minhang" in html


def test_an_unknown_area_says_so_and_shows_every_area(desk, floor):
    response = desk.get("/dashboard/", {"area": "<nowhere>"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is no area “&lt;nowhere&gt;”" in html and floor["soon"].number in html


def test_the_poll_answers_the_panels_only(desk, floor, settings):
    settings.CONTROL_ROOM_POLL_SECONDS = 5
    response = desk.get("/dashboard/", HTTP_HX_REQUEST="true", HTTP_X_BACKGROUND_REFRESH="1")
    html = response.content.decode()
    assert 'id="control-room"' not in html and "<html" not in html  # its inside only
    assert 'data-tile="at_risk"' in html and floor["soon"].number in html
    page = desk.get("/dashboard/").content.decode()
    assert 'hx-trigger="every 5s"' in page and 'hx-swap="innerHTML"' in page
    assert "sessionid" not in response.cookies  # a background refresh extends no session
    # A person's request does, once the stored expiry is over a minute behind
    # (SESSION_SLIDE_SECONDS: within a minute a page view writes no session).
    import datetime

    from django.contrib.sessions.models import Session
    from django.db.models import F

    Session.objects.update(expire_date=F("expire_date") - datetime.timedelta(minutes=2))
    assert "sessionid" in desk.get("/dashboard/").cookies


@pytest.mark.parametrize(
    ("chart", "header"),
    [
        ("backlog-status", ["Status", "Open tickets"]),
        ("backlog-area", ["Area", "Open tickets"]),
        ("sla-weeks", ["Week from", "Response SLA met %", "Dispatch SLA met %"]),
        ("intake-channel", ["Day", "Phone", "Web", "Email", "API"]),
    ],
)
def test_each_chart_has_its_csv(desk, floor, chart, header):
    services.ticket_daily_stats_refresh()
    response = desk.get(f"/dashboard/charts/{chart}.csv", {"area": "pudong"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"{chart}-pudong.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == header
    if chart == "backlog-area":
        assert rows[1:] == [["Pudong", "5"]]
    if chart == "backlog-status":
        assert ["New", "5"] in rows
    if chart == "intake-channel":
        assert len(rows) == 31 and rows[-1][1:] == ["5", "0", "0", "0"]


def test_a_label_never_becomes_a_spreadsheet_formula(desk, agent):
    _ticket(agent, AreaFactory(code="evil", name="=HYPERLINK(1)"))
    rows = list(csv.reader(io.StringIO(desk.get("/dashboard/charts/backlog-area.csv")
                                       .content.decode("utf-8-sig"))))  # fmt: skip
    assert rows[1] == ["'=HYPERLINK(1)", "1"]


def test_an_unknown_chart_is_not_found(desk):
    assert desk.get("/dashboard/charts/nothing.csv").status_code == 404


def test_low_stock_alerts_show_per_area(desk, areas):
    pudong, _minhang = areas
    part = PartFactory(name="Compressor relay", reorder_point=5)
    here = LocationFactory(name="Pudong warehouse", area=pudong)
    ReorderAlert.objects.create(part=part, location=here, available=2)
    assert "Pudong warehouse" in desk.get("/dashboard/").content.decode()
    html = desk.get("/dashboard/", {"area": "minhang"}).content.decode()
    assert "Pudong warehouse" not in html and "No part is below its reorder point." in html


@pytest.mark.parametrize(
    ("role", "status"),
    [("supervisor", 200), ("agent", 200), ("auditor", 200), ("technician", 403),
     ("integrator", 403)],
)  # fmt: skip
def test_the_control_room_is_for_the_desk_and_auditors(client, make_user, role, status):
    client.force_login(make_user(role))
    assert client.get("/dashboard/").status_code == status
    assert client.get("/dashboard/charts/sla-weeks.csv").status_code == status


def test_the_page_in_chinese(desk, floor):
    desk.cookies["django_language"] = "zh-hans"
    html = desk.get("/dashboard/").content.decode()
    for text in ("监控中心", "即将超时", "已超时", "各状态积压工单", "未结投诉", "剩余 {time}"):
        assert text in html, text


def test_the_page_runs_the_same_queries_whatever_the_data(desk, agent, areas):
    pudong, minhang = areas
    part = PartFactory(reorder_point=5)

    def grow(n):
        now = timezone.now()
        for i in range(n):
            area = pudong if i % 2 else minhang
            _at_risk(_ticket(agent, area), now)
            _breached(_ticket(agent, area, category="complaint"), now)
            ReorderAlert.objects.create(part=part, location=LocationFactory(area=area), available=1)
        services.ticket_daily_stats_refresh()

    def count(**params):
        with CaptureQueriesContext(connection) as queries:
            assert desk.get("/dashboard/", params).status_code == 200
        return len(queries)

    grow(3)
    few = (count(), count(area="pudong"))
    grow(9)
    many = (count(), count(area="pudong"))
    assert few == many
    assert many[0] <= 18


def test_the_live_figures_are_shared_until_a_ticket_write(
    desk, agent, areas, settings, django_capture_on_commit_callbacks
):
    settings.CONTROL_ROOM_CACHE_SECONDS = 15
    with django_capture_on_commit_callbacks(execute=True):
        first = _ticket(agent, areas[0])
    tile = '<span class="stat-value">{}</span><span class="stat-label">Open tickets'
    assert first.pk and tile.format(1) in desk.get("/dashboard/").content.decode()
    with CaptureQueriesContext(connection) as cached:
        desk.get("/dashboard/")
    with django_capture_on_commit_callbacks(execute=True):
        second = _ticket(agent, areas[0])
    with CaptureQueriesContext(connection) as fresh:
        html = desk.get("/dashboard/", HTTP_HX_REQUEST="true").content.decode()
    assert len(cached) < len(fresh)
    assert second.number not in html  # on track: in no list, but counted
    assert tile.format(2) in html
