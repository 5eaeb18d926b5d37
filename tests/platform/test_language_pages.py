"""In the browser: the admin in Chinese, and our 404 page on a phone in both languages."""

import re

import pytest

from aftersales.roles import Role
from tests.browser import assert_accessible, assert_fits, screenshot, sign_in
from tests.tickets.factories import CustomerFactory, TechnicianFactory, advance, make_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_admin_index_and_a_changelist_in_chinese(open_page, make_user):
    make_user(username="boss", is_staff=True, is_superuser=True)
    CustomerFactory(name="刘洋")
    page = open_page(viewport=DESK, locale="zh-CN")
    sign_in(page, "boss", "pw-boss")  # a superuser: sets up the second factor on the way

    page.goto("/admin/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    models = page.locator("#content-main th[scope=row] a").all_inner_texts()
    assert len(models) > 40
    assert all(CJK.search(name) for name in models), models
    assert "工单编号序列" in models and "时效计时记录" in models
    assert not [name for name in models if re.search(r"[\u4e00-\u9fff]s$", name)]
    screenshot(page, "aftersales-admin-index-zh.png")

    page.goto("/admin/tickets/customer/")
    headers = page.locator("#result_list thead th").all_inner_texts()
    columns = [h.strip() for h in headers if h.strip()]
    assert columns[:3] == ["名称", "电话", "服务区域"], columns
    assert page.locator("#changelist-filter").inner_text().count("客户等级") == 1
    assert "刘洋" in page.locator("#result_list").inner_text()
    assert page.locator("#site-name").inner_text() == "售后服务管理"
    screenshot(page, "aftersales-admin-customers-zh.png")


@pytest.mark.parametrize(
    ("locale", "title", "back"),
    [("en-US", "Page not found", "Back to the start page"), ("zh-CN", "页面未找到", "返回首页")],
)
def test_404_page_on_a_phone_in_each_language(open_page, make_user, locale, title, back):
    make_user(Role.AGENT, username="desk")
    supervisor = make_user(Role.SUPERVISOR, username="lead")
    mine = TechnicianFactory(user__username="fieldtech")
    other = TechnicianFactory(user__username="othertech", areas=list(mine.areas.all()))
    ticket = advance(
        make_ticket(actor=supervisor, customer=CustomerFactory(area=other.areas.first())),
        "dispatched",
        desk=supervisor,
        supervisor=supervisor,
        technician=other,
    )
    page = open_page(viewport=PHONE, locale=locale)
    sign_in(page, "fieldtech", "pw")  # the factory's password
    response = page.goto(f"/tickets/{ticket.pk}/")  # another technician's job
    assert response.status == 404
    assert page.locator("h1").inner_text() == title
    assert_fits(page, 360)
    assert_accessible(page)
    screenshot(page, f"aftersales-404-{locale[:2]}-360.png")
    page.click(f"text={back}")
    page.wait_for_load_state()
    assert page.url.endswith("/") or "/jobs/" in page.url
