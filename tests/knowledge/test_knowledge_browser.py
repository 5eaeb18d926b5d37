"""The knowledge base in Chromium: at intake the agent types a symptom, sees the right
article suggested, picks it and records a remote fix (English and Chinese, keyboard at
1280, then the phone width); a technician reads the unit's articles on the job page at
360×740 and rates one by touch; a question escalated on the support page and answered by
technical support. Each outcome is read from the database; axe-core; screenshots."""

import pytest

from aftersales.roles import Role
from tests.browser import PHONE, assert_accessible, assert_fits, screenshot, sign_in
from tests.tickets.factories import (
    CustomerFactory,
    ProductFactory,
    ProductModelFactory,
    TechnicianFactory,
    make_ticket,
)
from tickets.knowledge.models import ArticleFeedback, SupportQuestion, TicketArticle
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1280, "height": 800}
LOCALES = {"en": "en-US", "zh": "zh-CN"}
SYMPTOM = {"en": "the remote control does not respond", "zh": "遥控器按了没反应"}


@pytest.fixture
def unit(catalogue):
    model = ProductModelFactory(
        code="KFR-35GW", name="Split air conditioner", category=catalogue["aircon-remote"].category
    )
    customer = CustomerFactory(name="Wang Fang 王芳", phone="13800000077")
    return ProductFactory(customer=customer, model=model, serial_number="SN-KB-1")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_intake_suggestion_picked_for_a_remote_fix(open_page, make_user, unit, catalogue, lang):
    make_user(Role.AGENT, username="desk")
    page = open_page(viewport=DESK, locale=LOCALES[lang])
    sign_in(page, "desk", "pw-desk")
    page.goto("/tickets/new/")
    page.fill("#id_phone", "13800000077")
    page.click(".lookup button[type=submit]")
    page.wait_for_selector("#h-found")
    page.check(f"input[name=product][value='{unit.pk}']")
    page.focus("#id_description")
    page.keyboard.type(SYMPTOM[lang], delay=20)
    version = catalogue["aircon-remote"].current
    pick = page.locator(f"#kb-pick-{version.pk}")
    pick.wait_for()
    first = page.locator("#knowledge-suggestions input[name=article]").first
    assert first.get_attribute("value") == str(version.pk)  # the right article ranks first
    title = "空调遥控器失灵" if lang == "zh" else "Remote control does not work"
    assert title in page.inner_text("#knowledge-suggestions")
    pick.focus()
    page.keyboard.press("Space")
    assert pick.is_checked()
    page.check("input[name=outcome][value=resolved]")
    page.fill("#id_resolution", "Replaced the batteries with the customer")
    assert_accessible(page)
    screenshot(page, f"knowledge-intake-{lang}-1280.png")
    page.set_viewport_size(PHONE)
    assert_fits(page, 360)
    screenshot(page, f"knowledge-intake-{lang}-360.png")
    with page.expect_navigation():
        page.click("button.primary.wide")
    ticket = Ticket.objects.get(product=unit)
    assert ticket.status == "awaiting_confirmation"
    use = TicketArticle.objects.get(ticket=ticket)
    assert use.version == version and use.version.number == 1


def test_technician_reads_and_rates_the_unit_articles_on_the_phone(
    open_page, make_user, unit, catalogue
):
    agent = make_user(Role.AGENT, username="desk")
    technician = TechnicianFactory(user__username="tech9")
    technician.user.set_password("pw-tech9")
    technician.user.save()
    ticket = make_ticket(actor=agent, product=unit, description="空调不制冷，吹的是热风")
    Ticket.objects.filter(pk=ticket.pk).update(status="dispatched", technician=technician)
    page = open_page(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    sign_in(page, "tech9", "pw-tech9")
    page.goto(f"/jobs/{ticket.pk}/")
    section = page.locator("#job-articles")
    assert "空调不制冷" in section.locator("summary").first.inner_text()
    assert_fits(page, 360)
    assert_accessible(page)
    screenshot(page, "knowledge-job-360.png")
    with page.expect_navigation():
        section.locator("details[open] button[value=yes]").first.tap()
    feedback = ArticleFeedback.objects.get(user=technician.user)
    assert feedback.helped and feedback.ticket_id == ticket.pk
    assert feedback.article == catalogue["aircon-not-cooling"]


def test_question_escalated_and_answered(open_page, make_user, expert, catalogue):
    make_user(Role.AGENT, username="desk")
    page = open_page(viewport=DESK)
    sign_in(page, "desk", "pw-desk")
    page.goto("/support/")
    page.fill("#id_question", "E4 comes back after a reset: may the customer keep using it?")
    page.select_option("#id_category", label="Air conditioners 空调")
    with page.expect_navigation():
        page.click("#question-send")
    question = SupportQuestion.objects.get()
    assert question.status == "open" and question.category.code == "aircon"
    assert "answer within" in page.inner_text("#question-status")
    expert.set_password("pw-expert")
    expert.save()
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, "expert", "pw-expert")
    page.goto("/support/")
    page.locator("#questions-open a").first.tap()
    page.fill("#id_answer", "Stop using it and book a visit: discharge temperature protection.")
    page.check("#id_draft_article")
    assert_fits(page, 360)
    assert_accessible(page)
    screenshot(page, "knowledge-question-answer-360.png")
    with page.expect_navigation():
        page.locator("#answer-send").tap()
    question.refresh_from_db()
    assert question.status == "answered" and question.answered_by == expert
    assert question.draft_article is not None and question.draft_article.is_draft
    assert "Stop using it" in page.inner_text("#question-answer")
