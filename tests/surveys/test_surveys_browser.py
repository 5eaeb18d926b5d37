"""The return visit in headless Chromium: the desk records the follow-up call with the
survey template by keyboard on a desktop (1280), the customer answers the survey link on a
phone (360×740, touch) in Chinese and a low score opens a task, which the desk closes on the
task page, and the supervisor reads the results. Outcomes read from the database; axe-core,
no sideways scroll on the phone; screenshots in var/screenshots/."""

import re

import pytest

from tests.browser import PHONE, _tab_to, assert_accessible, assert_fits, screenshot, sign_in
from tests.tickets.factories import CustomerFactory
from tickets.models import Ticket
from tickets.public import SURVEY, public_link_token
from tickets.surveys.models import SurveyFollowUpTask, SurveyResponse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 900}


def _choose(page, name, value):
    """Pick ``value`` 1–5 in a 1…5 radio group by keyboard: Tab in, Space, arrows."""
    _tab_to(page, f"INPUT|{name}|1|radio")
    page.keyboard.press("Space")
    for _ in range(value - 1):
        page.keyboard.press("ArrowRight")


def test_the_desk_records_the_follow_up_call_by_keyboard(open_page, ticket_in, agent):
    ticket = ticket_in("closed")
    page = open_page(viewport=DESK)
    sign_in(page, "agent", "pw-agent")
    page.goto(f"/tickets/{ticket.pk}/")
    page.focus("#action-follow_up summary")
    if page.get_attribute("#action-follow_up", "open") is None:
        page.keyboard.press("Enter")
    for name, value in [("timeliness", 4), ("attitude", 5), ("skill", 3), ("cleanliness", 4),
                        ("satisfaction", 4)]:  # fmt: skip
        _choose(page, name, value)
    _tab_to(page, "INPUT|solved|yes|radio")
    page.keyboard.press("Space")
    _tab_to(page, "TEXTAREA|suggestion")
    page.keyboard.type("Call before coming")
    _tab_to(page, "TEXTAREA|comment")
    page.keyboard.type("Happy overall")
    assert_accessible(page)
    screenshot(page, "aftersales-surveys-follow-up-call-desk.png")
    _tab_to(page, "BUTTON|")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    response = SurveyResponse.objects.get(ticket_id=ticket.pk)
    answers = {a.question.key: (a.rating, a.yes, a.text) for a in response.answers.all()}
    assert answers == {
        "timeliness": (4, None, ""),
        "attitude": (5, None, ""),
        "skill": (3, None, ""),
        "cleanliness": (4, None, ""),
        "overall": (4, None, ""),
        "solved": (None, True, ""),
        "suggestion": (None, None, "Call before coming"),
    }
    assert (response.channel, response.recorded_by_id) == ("call", agent.pk)
    done = Ticket.objects.get(pk=ticket.pk)
    assert (done.status, done.follow_up_satisfaction, done.follow_up_comment) == (
        "followed_up", 4, "Happy overall"
    )  # fmt: skip
    assert not SurveyFollowUpTask.objects.exists()


def test_the_customer_answers_in_chinese_on_a_phone_and_a_low_score_opens_a_task(
    open_page, ticket_in, technician, agent, supervisor
):
    customer = CustomerFactory(language="zh-hans", area=technician.areas.first())
    ticket = ticket_in("closed", customer=customer)
    token = public_link_token(Ticket.objects.get(pk=ticket.pk), SURVEY)
    phone = open_page(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True)
    phone.goto(f"/service/{ticket.number}/survey/{token}/")
    assert "服务态度如何" in phone.content()
    # The ratings run 5 → 1: index 0 is 5, index 4 is 1.
    for name, index in [("timeliness", 1), ("attitude", 0), ("skill", 1), ("cleanliness", 4),
                        ("satisfaction", 2)]:  # fmt: skip
        phone.locator(f"label[for=id_{name}_{index}]").tap()
    phone.locator("label[for=id_solved_1]").tap()
    phone.fill("#id_comment", "地上有污渍")
    assert_fits(phone, PHONE["width"])
    assert_accessible(phone)
    screenshot(phone, "aftersales-surveys-link-phone-zh.png")
    phone.locator("button[type=submit].wide").tap()
    phone.wait_for_selector("text=您的意见将帮助我们改进服务")
    response = SurveyResponse.objects.get(ticket_id=ticket.pk)
    answers = {a.question.key: (a.rating, a.yes) for a in response.answers.all()}
    assert answers == {
        "timeliness": (4, None), "attitude": (5, None), "skill": (4, None),
        "cleanliness": (1, None), "overall": (3, None), "solved": (None, False),
    }  # fmt: skip
    assert (response.channel, response.recorded_by_id, response.comment) == (
        "link", None, "地上有污渍"
    )  # fmt: skip
    assert Ticket.objects.get(pk=ticket.pk).follow_up_satisfaction == 3
    task = SurveyFollowUpTask.objects.get()
    assert task.low_answers == [
        {"key": "cleanliness", "rating": 1},
        {"key": "overall", "rating": 3},
    ]

    # The desk closes it on the task page, on a phone too.
    desk = open_page(viewport=PHONE, has_touch=True, is_mobile=True)
    sign_in(desk, "agent", "pw-agent")
    desk.goto("/surveys/tasks/")
    desk.fill(f"#note-{task.pk}", "Called back; cleaner sent")
    assert_fits(desk, PHONE["width"])
    assert_accessible(desk)
    screenshot(desk, "aftersales-surveys-tasks-phone.png")
    with desk.expect_navigation():
        desk.locator(f"#close-{task.pk}").tap()
    task.refresh_from_db()
    assert (task.status, task.note) == ("closed", "Called back; cleaner sent")


def test_the_supervisor_reads_the_results(open_page, ticket_in, follow_up, supervisor):
    for overall, skill in [(5, 4), (2, 2), (4, 5)]:
        follow_up(ticket_in("closed"), overall=overall, skill=skill)
    page = open_page(viewport=DESK)
    sign_in(page, "supervisor", "pw-supervisor")
    page.goto("/surveys/results/")
    assert page.inner_text("#survey-responses") == "3"
    assert page.inner_text("#survey-avg-overall") == "3.67"
    assert page.inner_text("#survey-avg-skill") == "3.67"
    assert page.locator("#survey-technician tbody tr").count() == 3
    assert_accessible(page)
    screenshot(page, "aftersales-surveys-results-desk.png")
    page.select_option("#id_period", "this_quarter")
    with page.expect_navigation():
        page.click("#survey-show")
    assert re.search(r"period=this_quarter", page.url)
    assert page.inner_text("#survey-responses") == "3"
    phone = open_page(viewport=PHONE, has_touch=True, is_mobile=True)
    sign_in(phone, "supervisor", "pw-supervisor")
    phone.goto("/surveys/results/")
    assert_fits(phone, PHONE["width"])
    screenshot(phone, "aftersales-surveys-results-phone.png")
