"""Partner scorecards: the KPIs against a hand count, the grade rule, draft → final."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from aftersales.exceptions import ActionForbidden
from audits.models import AuditEvent
from technicians.outlets import services as outlet_services
from technicians.outlets.models import PartnerScorecard
from technicians.outlets.scoring import scorecard_components, scorecard_grade, scorecard_score
from technicians.outlets.services import ScorecardFinal, last_month
from tests.outlets.factories import OutletFactory
from tests.tickets.factories import TechnicianFactory, appointment
from tickets import services
from tickets.models import Ticket


def _close(ticket, dispatcher, technician, satisfaction, fault_code="E4"):
    start, end = appointment()
    ticket = services.ticket_dispatch(
        ticket=ticket,
        actor=dispatcher,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )
    ticket = services.ticket_check_in(ticket=ticket, actor=technician.user)
    ticket = services.ticket_complete(
        ticket=ticket,
        actor=technician.user,
        fault_class="hardware",
        fault_code=fault_code,
        diagnosis="Relay",
        work_done="Relay replaced",
        test_passed=True,
    )
    return services.ticket_confirm(
        ticket=ticket, actor=technician.user, accepted=True, satisfaction=satisfaction
    )


def _month():
    today = timezone.localdate()
    return today.replace(day=1), today


@pytest.fixture
def outlet_month(triaged, supervisor, partner, dispatcher, partner_tech, other_outlet):
    """Three tickets of the partner (two closed, one complaint still open) and one of
    another outlet that must not count."""
    closed = []
    for satisfaction in (5, 3):
        t = services.ticket_dispatch_to_outlet(ticket=triaged(), actor=supervisor, outlet=partner)
        closed.append(_close(t, dispatcher, partner_tech, satisfaction))
    services.ticket_dispatch_to_outlet(
        ticket=triaged(category="complaint"), actor=supervisor, outlet=partner
    )
    services.ticket_dispatch_to_outlet(ticket=triaged(), actor=supervisor, outlet=other_outlet)
    return partner


@pytest.mark.django_db
def test_scorecard_kpis_equal_a_hand_count(outlet_month, supervisor):
    first, last = _month()
    card = outlet_services.scorecard_draft(
        outlet=outlet_month, actor=supervisor, period_start=first, period_end=last
    )
    mine = list(Ticket.objects.filter(outlet=outlet_month))
    closed = [t for t in mine if t.closed_at is not None]
    # By hand, from the rows.
    assert card.opened == len(mine) == 3
    assert card.closed == len(closed) == 2
    assert card.complaints == sum(t.category == "complaint" for t in mine) == 1
    answers = [t.follow_up_satisfaction or t.satisfaction for t in closed]
    assert card.avg_satisfaction == Decimal(sum(answers)) / len(answers) == Decimal("4.00")
    answered = [t for t in closed if t.satisfaction or t.follow_up_satisfaction]
    complete = [t for t in answered if t.fault_code and t.confirmation_signature]
    assert card.record_completeness_pct == Decimal(str(round(100 * len(complete) / 2, 1)))
    assert card.first_time_fix_pct == Decimal("100.0")  # two products, no repeat, no rejection
    decided = [t for t in mine if t.dispatched_at is not None]
    met = [t for t in decided if t.dispatched_at <= t.dispatch_due_at]
    assert card.on_time_pct == Decimal(str(round(100 * len(met) / len(decided), 1)))
    assert card.figures["dispatch_decided"] == len(decided) == 2
    assert card.status == "draft" and card.grade
    assert AuditEvent.objects.filter(action="scorecard.drafted", object_id=str(card.pk)).exists()


@pytest.mark.django_db
def test_a_ticket_sent_straight_to_an_outlet_technician_counts(triaged, supervisor, partner):
    tech = TechnicianFactory(outlet=partner)
    _close(triaged(), supervisor, tech, 4)
    first, last = _month()
    card = outlet_services.scorecard_draft(
        outlet=partner, actor=supervisor, period_start=first, period_end=last
    )
    assert (card.opened, card.closed) == (1, 1)


@pytest.mark.django_db
def test_assess_grade_and_finalise(outlet_month, supervisor):
    first, last = _month()
    card = outlet_services.scorecard_draft(
        outlet=outlet_month, actor=supervisor, period_start=first, period_end=last
    )
    with pytest.raises(ValidationError):  # no assessment yet
        outlet_services.scorecard_finalise(scorecard=card, actor=supervisor)
    with pytest.raises(ValidationError):
        outlet_services.scorecard_assess(
            scorecard=card,
            actor=supervisor,
            capability=6,
            technical=4,
            reputation=4,
            assessment="x",
        )
    card = outlet_services.scorecard_assess(
        scorecard=card,
        actor=supervisor,
        capability=5,
        technical=4,
        reputation=3,
        assessment="Reliable, slow on parts.",
    )
    assert card.evaluator == supervisor
    components = scorecard_components(
        first_time_fix_pct=card.first_time_fix_pct,
        avg_satisfaction=card.avg_satisfaction,
        on_time_pct=card.on_time_pct,
        record_completeness_pct=card.record_completeness_pct,
        opened=card.opened,
        complaints=card.complaints,
        marks=[5, 4, 3],
    )
    assert card.score == scorecard_score(components)
    assert card.grade == scorecard_grade(card.score)
    card = outlet_services.scorecard_finalise(scorecard=card, actor=supervisor)
    stored = PartnerScorecard.objects.get(pk=card.pk)
    assert stored.status == "final" and stored.finalised_at is not None
    for attempt in (
        lambda: outlet_services.scorecard_refresh(scorecard=stored, actor=supervisor),
        lambda: outlet_services.scorecard_assess(
            scorecard=stored,
            actor=supervisor,
            capability=1,
            technical=1,
            reputation=1,
            assessment="changed",
        ),
        lambda: outlet_services.scorecard_finalise(scorecard=stored, actor=supervisor),
    ):
        with pytest.raises(ScorecardFinal):
            attempt()
    again = PartnerScorecard.objects.get(pk=card.pk)
    assert (again.capability, again.assessment, again.version) == (
        5,
        "Reliable, slow on parts.",
        stored.version,
    )


@pytest.mark.django_db
def test_one_scorecard_per_outlet_and_period(partner, supervisor):
    first, last = _month()
    outlet_services.scorecard_draft(
        outlet=partner, actor=supervisor, period_start=first, period_end=last
    )
    with pytest.raises(ValidationError) as caught:
        outlet_services.scorecard_draft(
            outlet=partner, actor=supervisor, period_start=first, period_end=last
        )
    assert "period_start" in caught.value.message_dict


@pytest.mark.django_db
def test_scorecards_need_a_supervisor(partner, agent, dispatcher):
    first, last = _month()
    for actor in (agent, dispatcher):
        with pytest.raises(ActionForbidden):
            outlet_services.scorecard_draft(
                outlet=partner, actor=actor, period_start=first, period_end=last
            )
    assert not PartnerScorecard.objects.exists()


@pytest.mark.django_db
def test_beat_drafts_last_month_once_per_active_outlet(partner):
    OutletFactory(active=False)
    today = datetime.date(2026, 3, 1)
    assert outlet_services.scorecards_draft_last_month(today=today) == 1
    assert outlet_services.scorecards_draft_last_month(today=today) == 0
    card = PartnerScorecard.objects.get()
    assert (card.outlet, card.period_start, card.period_end) == (
        partner,
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 28),
    )


def test_last_month():
    assert last_month(datetime.date(2026, 1, 15)) == (
        datetime.date(2025, 12, 1),
        datetime.date(2025, 12, 31),
    )


def test_score_leaves_out_missing_kpis_and_scales_weights():
    weights = {"first_time_fix": 1, "satisfaction": 1, "on_time": 2}
    components = {"first_time_fix": Decimal(80), "satisfaction": None, "on_time": Decimal(50)}
    assert scorecard_score(components, weights) == Decimal("60.0")
    assert scorecard_score({"on_time": None}, weights) is None


@pytest.mark.parametrize(
    ("score", "grade"), [(95, "A"), (90, "A"), (89.9, "B"), (75, "B"), (60, "C"), (59.9, "D")]
)
def test_grade_rule(score, grade):
    assert scorecard_grade(Decimal(str(score)), {"A": 90, "B": 75, "C": 60}) == grade


@override_settings(OUTLET_SCORECARD_GRADES={"A": 50, "B": 10})
def test_grade_rule_from_configuration():
    assert scorecard_grade(Decimal("55")) == "A"
    assert scorecard_grade(Decimal("5")) == "D"
    assert scorecard_grade(None) == ""


def test_components_scale():
    components = scorecard_components(
        first_time_fix_pct=Decimal("90.0"),
        avg_satisfaction=Decimal("4.50"),
        on_time_pct=None,
        record_completeness_pct=Decimal("100.0"),
        opened=10,
        complaints=1,
        marks=[5, 4, None],
    )
    assert components == {
        "first_time_fix": Decimal("90.0"),
        "satisfaction": Decimal("90.00"),
        "on_time": None,
        "complaints": Decimal(90),
        "record_completeness": Decimal("100.0"),
        "assessment": Decimal(90),
    }
