"""The sweep's hot path (issue 19 §4): what it skips changes nothing it decides.

The sweep walks the calendar for a clock's level-3 instant only once its breach has
happened by the instant the clock is judged at (``tickets.services.sweep._clocks``):
before that, level 3 can neither be marked nor be the next instant to look at. Checked
here on the pure rule over arbitrary clocks, against the plan with every level 3 known.
"""

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.sla import ClockPlan, sla_marks

T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
hours = st.integers(min_value=0, max_value=200).map(lambda h: T0 + datetime.timedelta(hours=h))


@st.composite
def clocks(draw):
    due = draw(hours)
    warn = draw(st.none() | st.integers(0, 48).map(lambda h: due - datetime.timedelta(hours=h)))
    level3 = due + datetime.timedelta(hours=draw(st.integers(0, 48)))
    stopped = draw(st.none() | hours)
    name = draw(st.sampled_from(["response", "dispatch", "resolution", "follow_up"]))
    return ClockPlan(name=name, warn_at=warn, due_at=due, level3_at=level3, stopped_at=stopped)


@settings(max_examples=500, deadline=None)
@given(st.lists(clocks(), min_size=1, max_size=4), hours, st.none() | hours)
def test_skipping_level3_before_the_breach_decides_the_same(plans, now, paused_at):
    def lazy(plan):
        judged_at = plan.stopped_at or paused_at or now
        if plan.due_at <= judged_at:
            return plan
        return ClockPlan(plan.name, plan.warn_at, plan.due_at, None, plan.stopped_at)

    assert sla_marks([lazy(p) for p in plans], now=now, paused_at=paused_at) == sla_marks(
        plans, now=now, paused_at=paused_at
    )
