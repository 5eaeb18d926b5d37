"""The rules of the satisfaction surveys: the reproducible return-visit sample, answers
stored per question with the overall score as the ticket's follow-up satisfaction,
versioned templates, and one follow-up task per low-scored response."""

import pytest
from django.core.exceptions import ValidationError

from aftersales.exceptions import ActionForbidden, InvalidTransition
from aftersales.platform.models import Notification
from audits.models import AuditEvent
from tests.tickets.factories import CustomerFactory, ProductFactory, make_ticket
from tickets import services as tickets
from tickets.models import Ticket
from tickets.surveys import services
from tickets.surveys.models import (
    ReturnVisitSample,
    SurveyAnswer,
    SurveyFollowUpTask,
    SurveyResponse,
    SurveyTemplate,
)
from tickets.surveys.sampling import sample_decide

from .conftest import GOOD

QUESTIONS = [
    {"key": "attitude", "text_en": "Attitude?", "text_zh": "态度？"},
    {"key": "overall", "text_en": "Overall?", "text_zh": "总体？"},
    {"key": "again", "kind": "yes_no", "text_en": "Again?", "required": False},
]

# --- The sample (pure) ----------------------------------------------------------------------


def _picks(ids, seed, percent=30, category="repair"):
    return {
        i
        for i in ids
        if sample_decide(ticket_id=i, category=category, percent=percent, seed=seed)[0]
    }


def test_the_same_seed_picks_the_same_tickets_in_any_order_and_another_seed_others():
    ids = list(range(1, 2001))
    first = _picks(ids, "seed-a")
    assert first == _picks(list(reversed(ids)), "seed-a")
    assert first == _picks(sorted(ids, key=lambda i: (i * 7919) % 2003), "seed-a")
    other = _picks(ids, "seed-b")
    assert other != first
    assert len(first ^ other) > 500  # independent draws, not a shifted window


def test_every_complaint_is_picked_whatever_the_seed_and_percentage():
    for seed in ("a", "b", "c"):
        for percent in (0, 5, 30):
            assert _picks(range(1, 501), seed, percent, category="complaint") == set(range(1, 501))


@pytest.mark.parametrize("percent", [0, 10, 30, 50, 100])
def test_the_share_picked_is_the_percentage_within_tolerance_on_10000_ids(percent):
    picked = len(_picks(range(1, 10_001), "tolerance", percent))
    assert abs(picked - percent * 100) <= 150  # ±1.5 points on 10,000 draws


# --- The sample applied at closing ----------------------------------------------------------


def test_closing_records_the_sample_and_only_a_sampled_ticket_gets_a_return_visit_due(
    ticket_in, settings
):
    settings.SURVEY_SAMPLE_PERCENT = 30
    settings.SURVEY_SAMPLE_SEED = "closing"
    closed = [ticket_in("closed") for _ in range(6)]
    complaint = ticket_in("closed", category="complaint")
    for ticket in [*closed, complaint]:
        ticket = Ticket.objects.get(pk=ticket.pk)
        sample = ReturnVisitSample.objects.get(ticket=ticket)
        expected = sample_decide(
            ticket_id=ticket.pk, category=ticket.category, percent=30, seed="closing"
        )
        assert (sample.sampled, sample.reason, sample.draw) == expected
        assert (ticket.follow_up_due_at is not None) == sample.sampled
    assert ReturnVisitSample.objects.get(ticket=complaint).reason == "complaint"
    assert AuditEvent.objects.filter(action="survey.return_visit_sampled").count() == 7


def test_an_unsampled_ticket_can_still_be_followed_up(ticket_in, follow_up, settings):
    settings.SURVEY_SAMPLE_PERCENT = 0
    ticket = ticket_in("closed")
    assert ticket.follow_up_due_at is None
    assert not ReturnVisitSample.objects.get(ticket=ticket).sampled
    assert follow_up(ticket).status == "followed_up"


# --- Responses --------------------------------------------------------------------------------


def test_the_call_stores_each_answer_and_the_overall_score_fills_the_ticket(
    ticket_in, follow_up, agent
):
    ticket = ticket_in("closed")
    done = follow_up(
        ticket, comment="Polite", overall=4, skill=3, solved="yes", suggestion="Call first"
    )
    assert (done.status, done.follow_up_satisfaction, done.follow_up_comment) == (
        "followed_up",
        4,
        "Polite",
    )
    response = SurveyResponse.objects.get(ticket=ticket)
    assert (response.channel, response.recorded_by, response.overall) == ("call", agent, 4)
    assert response.template.code == "standard"
    stored = {
        a.question.key: (a.rating, a.yes, a.text)
        for a in SurveyAnswer.objects.filter(response=response).select_related("question")
    }
    assert stored == {
        "timeliness": (5, None, ""),
        "attitude": (4, None, ""),
        "skill": (3, None, ""),
        "cleanliness": (4, None, ""),
        "overall": (4, None, ""),
        "solved": (None, True, ""),
        "suggestion": (None, None, "Call first"),
    }
    event = ticket.events.get(kind="survey", action="survey_response")
    assert event.payload["scores"]["skill"] == 3 and event.payload["channel"] == "call"
    assert AuditEvent.objects.filter(action="survey.response_recorded", object_id=response.pk)


def test_the_customers_link_records_the_channel_link_without_a_recorder(ticket_in):
    from tickets.public import SURVEY, public_link_token

    ticket = ticket_in("closed")
    token = public_link_token(Ticket.objects.get(pk=ticket.pk), SURVEY)
    tickets.ticket_customer_survey(number=ticket.number, token=token, answers=GOOD)
    response = SurveyResponse.objects.get(ticket=ticket)
    assert (response.channel, response.recorded_by, response.overall) == ("link", None, 5)
    assert Ticket.objects.get(pk=ticket.pk).follow_up_satisfaction == 5


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"attitude": None}, "attitude"),  # a required question left out
        ({"overall": 6}, "overall"),
        ({"skill": "good"}, "skill"),
        ({"skill": True}, "skill"),
        ({"solved": "maybe"}, "solved"),
        ({"colour": 3}, "answers"),
    ],
)
def test_a_wrong_answer_is_refused_and_nothing_is_stored(ticket_in, follow_up, answers, field):
    ticket = ticket_in("closed")
    with pytest.raises(ValidationError) as caught:
        follow_up(ticket, **answers)
    assert field in caught.value.message_dict
    assert not SurveyResponse.objects.exists()
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"


def test_the_one_score_follow_up_of_older_clients_still_records_a_response(ticket_in, agent):
    ticket = ticket_in("closed")
    tickets.ticket_follow_up(ticket=ticket, actor=agent, via="phone", satisfaction=3)
    response = SurveyResponse.objects.get(ticket=ticket)
    assert response.overall == 3
    assert list(response.answers.values_list("question__key", "rating")) == [("overall", 3)]


def test_a_second_response_for_the_ticket_is_refused(ticket_in, follow_up, agent):
    ticket = ticket_in("closed")
    follow_up(ticket, overall=1)
    with pytest.raises(InvalidTransition):
        services.response_record(ticket=ticket, actor=agent, channel="call", answers=GOOD)
    assert SurveyResponse.objects.count() == 1
    assert SurveyFollowUpTask.objects.count() == 1


def test_a_technician_may_not_record_a_survey(ticket_in, technician):
    ticket = ticket_in("closed")
    with pytest.raises(ActionForbidden):
        services.response_record(ticket=ticket, actor=technician.user, channel="call", answers=GOOD)


# --- Low scores ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "low"),
    [
        ({"cleanliness": 2}, [{"key": "cleanliness", "rating": 2}]),
        ({"overall": 3}, [{"key": "overall", "rating": 3}]),
        ({"attitude": 1, "overall": 2}, [{"key": "attitude", "rating": 1},
                                         {"key": "overall", "rating": 2}]),
    ],
)  # fmt: skip
def test_a_low_score_opens_one_task_told_to_the_supervisors(
    ticket_in, follow_up, supervisor, answers, low
):
    ticket = ticket_in("closed")
    follow_up(ticket, **answers)
    task = SurveyFollowUpTask.objects.get()
    assert (task.ticket_id, task.status, task.low_answers, task.assignee) == (
        ticket.pk,
        "open",
        low,
        None,
    )
    told = Notification.objects.filter(kind="low_score_follow_up")
    assert supervisor.pk in {n.user_id for n in told}
    assert ticket.events.filter(kind="survey", action="survey_task_opened").count() == 1
    # Opening again for the same response adds nothing.
    services.task_open(response=task.response, ticket=ticket, low=low)
    assert SurveyFollowUpTask.objects.count() == 1
    assert ticket.events.filter(action="survey_task_opened").count() == 1


def test_good_scores_open_no_task(ticket_in, follow_up):
    follow_up(ticket_in("closed"), overall=4, cleanliness=3)
    assert not SurveyFollowUpTask.objects.exists()


def test_the_thresholds_and_the_assignee_are_settings(ticket_in, follow_up, settings, make_user):
    settings.SURVEY_LOW_SCORE_THRESHOLD = 3
    settings.SURVEY_LOW_OVERALL_THRESHOLD = 1
    queue = make_user("supervisor", username="callback")
    settings.SURVEY_FOLLOW_UP_ASSIGNEE = "callback"
    follow_up(ticket_in("closed"), cleanliness=3)
    task = SurveyFollowUpTask.objects.get()
    assert task.assignee == queue and task.low_answers == [{"key": "cleanliness", "rating": 3}]


def test_closing_a_task_needs_a_note_and_happens_once(ticket_in, follow_up, agent, technician):
    ticket = ticket_in("closed")
    follow_up(ticket, overall=1)
    task = SurveyFollowUpTask.objects.get()
    with pytest.raises(ValidationError):
        services.task_close(task=task, actor=agent, note="  ")
    with pytest.raises(ActionForbidden):
        services.task_close(task=task, actor=technician.user, note="x")
    closed = services.task_close(task=task, actor=agent, note="Called back, visit redone")
    assert (closed.status, closed.closed_by, closed.note) == (
        "closed",
        agent,
        "Called back, visit redone",
    )
    assert ticket.events.filter(kind="survey", action="survey_task_closed").count() == 1
    with pytest.raises(InvalidTransition):
        services.task_close(task=task, actor=agent, note="again")


# --- Templates ----------------------------------------------------------------------------------


def test_a_template_in_use_becomes_a_new_version_and_answers_keep_theirs(
    supervisor, ticket_in, follow_up
):
    standard = SurveyTemplate.objects.get(code="standard", status="active")
    ticket = ticket_in("closed")
    follow_up(ticket)
    changed = [
        {"key": "overall", "text_en": "Overall?", "text_zh": "总体？"},
        {"key": "speed", "text_en": "Speed?"},
    ]
    revised = services.template_revise(template=standard, actor=supervisor, questions=changed)
    assert revised.pk != standard.pk and revised.version == standard.version + 1
    standard.refresh_from_db()
    assert (standard.status, revised.status) == ("retired", "active")
    assert standard.questions.count() == 7  # as answered
    assert SurveyResponse.objects.get(ticket=ticket).template == standard
    # The next call answers the new version.
    other = ticket_in("closed")
    tickets.ticket_follow_up(
        ticket=other, actor=ticket.owner, via="phone", answers={"overall": 4, "speed": 2}
    )
    assert SurveyResponse.objects.get(ticket=other).template == revised


def test_a_template_without_answers_is_changed_in_place(supervisor):
    draft = services.template_create(
        actor=supervisor, code="install", title_en="Installation", questions=QUESTIONS
    )
    same = services.template_revise(
        template=draft, actor=supervisor, questions=QUESTIONS[1:], title_zh="安装回访"
    )
    assert same.pk == draft.pk and same.version == 1 and same.title_zh == "安装回访"
    assert list(same.questions.values_list("key", "position")) == [("overall", 1), ("again", 2)]


@pytest.mark.parametrize(
    "questions",
    [
        [],
        [{"key": "attitude", "text_en": "A?"}],  # no overall
        [{"key": "overall", "kind": "text", "text_en": "O?"}],
        [{"key": "overall", "text_en": "O?"}, {"key": "overall", "text_en": "O?"}],
        [{"key": "overall", "text_en": "O?"}, {"key": "comment", "text_en": "C?"}],
        [{"key": "Bad Key", "text_en": "O?"}],
    ],
)
def test_a_template_needs_a_required_overall_rating_and_distinct_keys(supervisor, questions):
    with pytest.raises(ValidationError):
        services.template_create(actor=supervisor, code="bad", title_en="Bad", questions=questions)
    assert not SurveyTemplate.objects.filter(code="bad").exists()


def test_one_active_template_per_service_type_and_the_ticket_gets_its_own(
    supervisor, agent, ticket_in, follow_up
):
    complaint = services.template_create(
        actor=supervisor, code="complaint", title_en="Complaint", category="complaint",
        questions=QUESTIONS,
    )  # fmt: skip
    services.template_activate(template=complaint, actor=supervisor)
    second = services.template_create(
        actor=supervisor, code="complaint2", title_en="Complaint 2", category="complaint",
        questions=QUESTIONS,
    )  # fmt: skip
    services.template_activate(template=second, actor=supervisor)
    complaint.refresh_from_db()
    assert complaint.status == "retired"
    assert SurveyTemplate.objects.filter(status="active", category="complaint").count() == 1
    ticket = ticket_in("closed", category="complaint")
    tickets.ticket_follow_up(
        ticket=ticket, actor=agent, via="phone", answers={"attitude": 5, "overall": 5}
    )
    assert SurveyResponse.objects.get(ticket=ticket).template == second
    assert services.template_for(ticket_in("closed")).code == "standard"
    with pytest.raises(ActionForbidden):
        services.template_activate(template=complaint, actor=agent)


def test_results_by_product_model_area_and_technician_equal_a_recomputation(
    ticket_in, follow_up, technician, agent, supervisor
):
    from django.utils import timezone

    from tickets.surveys.selectors import day_bounds, survey_results

    scores = [(5, 4), (3, 2), (4, 5)]
    models = []
    for overall, skill in scores:
        customer = CustomerFactory(area=technician.areas.first())
        product = ProductFactory(customer=customer)
        models.append(product.model_id)
        ticket = make_ticket(actor=agent, customer=customer, product=product)
        from tests.tickets.factories import advance

        ticket = advance(ticket, "closed", desk=agent, supervisor=supervisor, technician=technician)
        follow_up(ticket, overall=overall, skill=skill)
    today = timezone.localdate()
    results = survey_results(**dict(zip(("start", "end"), day_bounds(today, today), strict=True)))
    assert results["responses"] == 3
    by_key = {q["key"]: q for q in results["questions"]}
    assert by_key["overall"]["average"] == round((5 + 3 + 4) / 3, 2)
    assert by_key["skill"]["average"] == round((4 + 2 + 5) / 3, 2)
    assert by_key["overall"]["count"] == 3
    (tech_row,) = results["by"]["technician"]
    assert (tech_row["id"], tech_row["count"]) == (technician.pk, 3)
    assert tech_row["averages"]["skill"] == by_key["skill"]["average"]
    (area_row,) = results["by"]["area"]
    assert area_row["count"] == 3
    model_rows = {r["id"]: r for r in results["by"]["product_model"]}
    for model_id, (overall, _skill) in zip(models, scores, strict=True):
        assert model_rows[model_id]["averages"]["overall"] == overall
