"""The rules of the knowledge base and the support queue, through the services."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone, translation

from aftersales.exceptions import ActionForbidden, InvalidTransition, StaleVersion
from aftersales.platform.models import Notification
from audits.models import AuditEvent
from tests.tickets.factories import ProductFactory, ProductModelFactory, make_ticket
from tickets import services as lifecycle
from tickets.knowledge import services
from tickets.knowledge.models import ArticleFeedback, SupportQuestion, TicketArticle
from tickets.knowledge.search import suggest
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def test_editing_publishes_a_new_version_and_keeps_the_old(catalogue, supervisor):
    article = catalogue["fridge-leak"]
    first = article.current
    version = services.article_version_publish(
        article=article,
        actor=supervisor,
        expected_version=1,
        title_en="Fridge leaking water",
        symptoms_en="Puddle under the fridge",
        steps_en="Clear the drain hole\nCheck the tray",
    )
    article.refresh_from_db()
    assert version.number == 2 and article.current == version
    first.refresh_from_db()
    assert first.title_zh == "冰箱漏水" and first.published  # readable still
    assert version.steps == ["Clear the drain hole", "Check the tray"]
    with pytest.raises(StaleVersion):
        services.article_version_publish(
            article=article,
            actor=supervisor,
            expected_version=1,
            title_en="x",
            symptoms_en="x",
            steps_en="x",
        )
    assert AuditEvent.objects.filter(action="knowledge.article_published").count() == 1


def test_reader_language_with_fallback(catalogue, supervisor):
    article = services.article_create(
        actor=supervisor,
        category=catalogue["fridge-leak"].category,
        title_en="Only English",
        symptoms_en="s",
        steps_en="one\ntwo",
    )
    with translation.override("zh-hans"):
        assert article.current.title == "Only English"  # falls back to the other language
        assert catalogue["fridge-leak"].current.title == "冰箱漏水"
    with translation.override("en"):
        assert catalogue["fridge-leak"].current.title == "Refrigerator leaking water"


def test_only_editors_write_and_texts_are_required(catalogue, agent, supervisor):
    category = catalogue["fridge-leak"].category
    with pytest.raises(ActionForbidden):
        services.article_create(
            actor=agent, category=category, title_en="t", symptoms_en="s", steps_en="x"
        )
    with pytest.raises(ValidationError):
        services.article_create(actor=supervisor, category=category, title_en="t", symptoms_en="s")
    other = ProductModelFactory()
    with pytest.raises(ValidationError):
        services.article_create(
            actor=supervisor,
            category=category,
            product_model=other,
            title_en="t",
            symptoms_en="s",
            steps_en="x",
        )
    with pytest.raises(ValidationError):
        services.article_create(
            actor=supervisor,
            category=category,
            code="fridge-leak",
            title_en="t",
            symptoms_en="s",
            steps_en="x",
        )


def test_feedback_once_per_user_article_ticket_and_it_ranks(catalogue, agent, make_user):
    article = catalogue["washer-no-spin"]
    ticket = make_ticket(actor=agent)
    services.article_feedback_record(article=article, actor=agent, helped=True, ticket=ticket)
    with pytest.raises(InvalidTransition):
        services.article_feedback_record(article=article, actor=agent, helped=False, ticket=ticket)
    services.article_feedback_record(article=article, actor=agent, helped=True)  # no ticket
    with pytest.raises(InvalidTransition):
        services.article_feedback_record(article=article, actor=agent, helped=True)
    other = make_user("technician")
    services.article_feedback_record(article=article, actor=other, helped=True, ticket=ticket)
    article.refresh_from_db()
    assert (article.helped, article.not_helped) == (3, 0)
    assert ArticleFeedback.objects.count() == 3
    with pytest.raises(ActionForbidden):
        services.article_feedback_record(article=article, actor=make_user("auditor"), helped=True)


def test_helpfulness_changes_the_order_of_equal_matches(catalogue, agent, make_user):
    # "漏水" matches the washer's and the fridge's leak equally well without a category.
    before = [a.code for a in suggest("漏水", limit=3)]
    loser = next(c for c in before if c in {"washer-leak", "fridge-leak"})
    winner = ({"washer-leak", "fridge-leak"} - {loser}).pop()
    for _n in range(4):
        user = make_user("agent")
        services.article_feedback_record(article=catalogue[winner], actor=user, helped=True)
        services.article_feedback_record(article=catalogue[loser], actor=user, helped=False)
    after = [a.code for a in suggest("漏水", limit=3)]
    assert after.index(winner) < after.index(loser)


def test_remote_fix_records_the_article_version(catalogue, agent, supervisor):
    article = catalogue["aircon-remote"]
    services.article_version_publish(
        article=article,
        actor=supervisor,
        title_en="Remote control dead",
        symptoms_en="No response",
        steps_en="Replace the batteries",
    )
    article.refresh_from_db()
    unit = ProductFactory()
    ticket = lifecycle.ticket_intake_resolve_remotely(
        actor=agent,
        resolution="Batteries replaced",
        article=article,
        customer=unit.customer,
        product=unit,
        channel="phone",
        category="repair",
        description="遥控器没反应",
    )
    assert ticket.status == "awaiting_confirmation"
    use = TicketArticle.objects.get(ticket=ticket)
    assert use.version.number == 2 and use.version.article == article
    event = TicketEvent.objects.get(ticket=ticket, kind="knowledge")
    assert event.payload == {"article": article.pk, "version": 2}
    assert AuditEvent.objects.filter(action="knowledge.article_used", object_id=use.pk).exists()


def test_a_draft_cannot_guide_a_remote_fix_and_the_intake_rolls_back(catalogue, agent, supervisor):
    draft = services.article_create(
        actor=supervisor,
        category=catalogue["aircon-remote"].category,
        published=False,
        title_en="draft",
        symptoms_en="s",
        steps_en="x",
    )
    ticket = make_ticket(actor=agent)
    ticket = lifecycle.ticket_triage(
        ticket=ticket, actor=agent, priority="p3", warranty_decision="in_warranty"
    )
    with pytest.raises(ValidationError):
        lifecycle.ticket_resolve_remotely(ticket=ticket, actor=agent, resolution="r", article=draft)
    ticket.refresh_from_db()
    assert ticket.status == "triaged"
    assert not TicketArticle.objects.exists()


@override_settings(SUPPORT_RESPONSE_HOURS=4)
def test_question_asked_answered_on_the_timeline_and_notified(catalogue, agent, expert):
    ticket = make_ticket(actor=agent)
    question = services.support_question_ask(actor=agent, question="E4 after reset?", ticket=ticket)
    assert question.number.startswith("JS-") and question.status == "open"
    assert question.due_at - question.asked_at == datetime.timedelta(hours=4)
    assert Notification.objects.filter(kind="support_question", user=expert).exists()
    with pytest.raises(ActionForbidden):
        services.support_question_answer(question=question, actor=agent, answer="x")
    services.support_question_answer(question=question, actor=expert, answer="Book a visit")
    with pytest.raises(InvalidTransition):
        services.support_question_answer(question=question, actor=expert, answer="again")
    question.refresh_from_db()
    assert question.status == "answered" and question.answered_by == expert
    assert list(
        TicketEvent.objects.filter(ticket=ticket, kind="support").values_list("action", flat=True)
    ) == ["question_asked", "question_answered"]
    assert Notification.objects.filter(kind="support_answer", user=agent).exists()


def test_answer_becomes_an_article_draft(catalogue, agent, expert):
    category = catalogue["fridge-frost"].category
    question = services.support_question_ask(
        actor=agent, question="冷冻室门关不上", category=category
    )
    question = services.support_question_answer(
        question=question, actor=expert, answer="检查门封", draft_article=True
    )
    draft = question.draft_article
    assert draft.is_draft and draft.versions.get().steps_en == "检查门封"
    assert draft not in suggest("冷冻室门关不上")
    bare = services.support_question_ask(actor=agent, question="?")
    with pytest.raises(ValidationError):
        services.support_question_answer(
            question=bare, actor=expert, answer="a", draft_article=True
        )


def test_overdue_sweep_marks_and_notifies_once(catalogue, agent, expert):
    question = services.support_question_ask(actor=agent, question="Help")
    SupportQuestion.objects.filter(pk=question.pk).update(
        due_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    answered = services.support_question_ask(actor=agent, question="Answered")
    services.support_question_answer(question=answered, actor=expert, answer="ok")
    SupportQuestion.objects.filter(pk=answered.pk).update(
        due_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert services.support_questions_overdue_sweep() == 1
    assert services.support_questions_overdue_sweep() == 0
    question.refresh_from_db()
    assert question.overdue_at is not None and question.is_overdue
    overdue = Notification.objects.filter(dedupe_key=f"support-question-overdue:{question.pk}")
    assert overdue.count() >= 1 and {n.user_id for n in overdue} == {expert.pk}


def test_question_numbers_are_gap_free_and_a_blank_question_refused(agent):
    numbers = [
        services.support_question_ask(actor=agent, question=f"q{i}").number for i in range(3)
    ]
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == [1, 2, 3]
    with pytest.raises(ValidationError):
        services.support_question_ask(actor=agent, question="  ")
