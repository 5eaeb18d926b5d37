"""The customer's own pages on a phone (360×740, touch, Chromium), one journey per language:
the status look-up refuses a wrong phone exactly like an unknown ticket and opens with the
right one, the visit is asked to move, the confirmation link confirms and rates, another
one rejects with a reason, the survey stores its answer, and an expired link and another
ticket's link are refused. Outcomes read from the database; no sideways scroll; axe-core
on each page; screenshots in var/screenshots/."""

import time
from unittest import mock

import pytest

from audits.models import AuditEvent
from tests.browser import PHONE, assert_accessible, assert_fits, screenshot
from tests.tickets.factories import CustomerFactory
from tickets.models import Ticket, TicketEvent
from tickets.public import CONFIRM, SURVEY, public_link_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCALES = {"en": "en-US", "zh": "zh-CN"}
LANGUAGES = {"en": "en", "zh": "zh-hans"}
WORDS = {
    "en": {
        "not_found": "We found no request with this number and phone",
        "booked": "Technician visit booked",
        "moved": "Your request to move the visit",
        "closed": "You confirmed the work",
        "reason": "Tell us what is not right",
        "sorry": "We are sorry the work is not right",
        "thanks": "Your answer helps us",
        "expired": "This link has expired",
        "invalid": "This link is not valid",
        "used": "This link has been used",
    },
    "zh": {
        "not_found": "未找到与该工单号和手机号相符的服务请求",
        "booked": "上门服务已预约",
        "moved": "我们已收到您改约",
        "closed": "您已确认维修结果",
        "reason": "请告诉我们哪里不满意",
        "sorry": "很抱歉维修未能令您满意",
        "thanks": "您的意见将帮助我们改进服务",
        "expired": "该链接已过期",
        "invalid": "该链接无效",
        "used": "该链接已使用",
    },
}


def _check(page, name):
    assert_fits(page, PHONE["width"])
    assert_accessible(page)
    screenshot(page, f"{name}.png")


def _token(ticket, purpose, *, days_ago=0):
    ticket = Ticket.objects.get(pk=ticket.pk)
    if not days_ago:
        return public_link_token(ticket, purpose)
    with mock.patch("django.core.signing.time.time", return_value=time.time() - days_ago * 86400):
        return public_link_token(ticket, purpose)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_customer_pages_on_a_phone(open_page, ticket_in, technician, lang):
    words = WORDS[lang]

    def customer(phone):
        return CustomerFactory(phone=phone, language=LANGUAGES[lang], area=technician.areas.first())

    booked = ticket_in("dispatched", customer=customer("13912345678"))
    to_confirm = ticket_in("awaiting_confirmation", customer=customer("13912340001"))
    to_reject = ticket_in("awaiting_confirmation", customer=customer("13912340002"))
    to_survey = ticket_in("closed", customer=customer("13912340003"))
    page = open_page(viewport=PHONE, locale=LOCALES[lang], has_touch=True, is_mobile=True)

    # The look-up: a wrong phone and an unknown ticket get the same answer.
    page.goto("/service/")
    _check(page, f"public-lookup-{lang}")
    answers = []
    for number, digits in ((booked.number, "0000"), ("AS-1999-999999", "0000")):
        page.fill("#id_number", number)
        page.fill("#id_phone_last4", digits)
        page.locator("button[type=submit].wide").tap()
        page.wait_for_selector(".error.banner")
        answers.append(page.inner_text(".error.banner"))
    assert answers[0] == answers[1] and words["not_found"] in answers[0]
    screenshot(page, f"public-lookup-refused-{lang}.png")
    page.fill("#id_number", booked.number)
    page.fill("#id_phone_last4", "5678")
    page.locator("button[type=submit].wide").tap()
    page.wait_for_url(f"**/service/{booked.number}/")
    text = page.inner_text("main")
    assert words["booked"] in text
    assert technician.full_name in text and technician.employee_no in text
    assert technician.phone not in text and booked.customer.name not in text
    _check(page, f"public-status-{lang}")

    # Ask to move the visit: a request on the ticket, the booking unchanged.
    page.locator("#id_preferred_date").fill((booked.appointment_start.date()).isoformat())
    page.locator("label[for=id_period_1]").tap()
    page.fill("#id_note", "Not home that morning")
    page.locator("form[action$='/reschedule/'] button").tap()
    page.wait_for_selector(".banner.ok")
    assert words["moved"] in page.inner_text(".banner.ok")
    event = TicketEvent.objects.get(ticket=booked, action="reschedule_request")
    assert event.payload["period"] == "afternoon"
    assert Ticket.objects.get(pk=booked.pk).appointment_start == booked.appointment_start
    _check(page, f"public-status-moved-{lang}")

    # The confirmation link: confirm and rate 5.
    page.goto(f"/service/{to_confirm.number}/confirm/{_token(to_confirm, CONFIRM)}/")
    assert "Relay replaced" in page.inner_text("main")  # the work to confirm
    _check(page, f"public-confirm-{lang}")
    page.locator("label[for=id_decision_0]").tap()
    page.locator("label[for=id_satisfaction_0]").tap()  # 5 – excellent, first on the list
    page.locator("button[type=submit].wide").tap()
    page.wait_for_selector("text=" + words["closed"])
    confirmed = Ticket.objects.get(pk=to_confirm.pk)
    assert (confirmed.status, confirmed.satisfaction) == ("closed", 5)
    assert AuditEvent.objects.filter(
        ticket_id=to_confirm.pk, action="ticket.confirm", actor=None
    ).exists()
    _check(page, f"public-thanks-{lang}")
    page.go_back()
    page.reload()
    assert words["used"] in page.inner_text("main")

    # Another link: reject, first without a reason (refused, nothing lost), then with one.
    page.goto(f"/service/{to_reject.number}/confirm/{_token(to_reject, CONFIRM)}/")
    page.locator("label[for=id_decision_1]").tap()
    page.locator("button[type=submit].wide").tap()
    page.wait_for_selector(".field.has-error")
    assert words["reason"] in page.inner_text(".field.has-error")
    assert page.locator("#id_decision_1").is_checked()
    _check(page, f"public-confirm-refused-{lang}")
    page.fill("#id_comment", "Still leaks under the door")
    page.locator("button[type=submit].wide").tap()
    page.wait_for_selector("text=" + words["sorry"])
    rejected = Ticket.objects.get(pk=to_reject.pk)
    assert (rejected.status, rejected.confirmation_comment) == (
        "triaged",
        "Still leaks under the door",
    )

    # The survey link: satisfaction 4 and a comment.
    page.goto(f"/service/{to_survey.number}/survey/{_token(to_survey, SURVEY)}/")
    _check(page, f"public-survey-{lang}")
    for aspect in ("timeliness", "attitude", "skill", "cleanliness", "satisfaction"):
        page.locator(f"label[for=id_{aspect}_1]").tap()
    page.fill("#id_comment", "Polite and quick")
    page.locator("button[type=submit].wide").tap()
    page.wait_for_selector("text=" + words["thanks"])
    surveyed = Ticket.objects.get(pk=to_survey.pk)
    assert (surveyed.status, surveyed.follow_up_satisfaction, surveyed.follow_up_comment) == (
        "followed_up",
        4,
        "Polite and quick",
    )

    # An expired link and another ticket's link are refused with a page that says so.
    expired = _token(to_reject, CONFIRM, days_ago=30)
    response = page.goto(f"/service/{to_reject.number}/confirm/{expired}/")
    assert response.status == 410 and words["expired"] in page.inner_text("main")
    _check(page, f"public-link-expired-{lang}")
    other = ticket_in("awaiting_confirmation", customer=customer("13912340004"))
    response = page.goto(f"/service/{other.number}/confirm/{_token(to_confirm, CONFIRM)}/")
    assert response.status == 403 and words["invalid"] in page.inner_text("main")
    assert Ticket.objects.get(pk=other.pk).status == "awaiting_confirmation"
    _check(page, f"public-link-invalid-{lang}")
