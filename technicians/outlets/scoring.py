"""The partner scorecard's score and grade: pure, on plain values (no database).

Each KPI is put on a 0–100 scale — first-time fix %, on-time %, record completeness % as
they are; satisfaction (1–5) × 20; complaints as the share of the period's tickets that
were *not* complaints; the evaluator's assessment (three marks 1–5) as their mean × 20 —
and the score is their weighted mean (``OUTLET_SCORECARD_WEIGHTS``), leaving out a KPI
without data and scaling the others' weights up. The grade is the first of
``OUTLET_SCORECARD_GRADES`` (highest first) whose lowest score the score reaches, else D.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from .choices import Grade

ONE_PLACE = Decimal("0.1")


def _dec(value):
    return None if value is None else Decimal(str(value))


def scorecard_components(
    *,
    first_time_fix_pct,
    avg_satisfaction,
    on_time_pct,
    record_completeness_pct,
    opened,
    complaints,
    marks,
):
    """KPI name → its value on 0–100 (None without data)."""
    given = [m for m in marks if m is not None]
    return {
        "first_time_fix": _dec(first_time_fix_pct),
        "satisfaction": None if avg_satisfaction is None else _dec(avg_satisfaction) * 20,
        "on_time": _dec(on_time_pct),
        "complaints": (Decimal(100) - Decimal(100) * complaints / opened if opened else None),
        "record_completeness": _dec(record_completeness_pct),
        "assessment": (Decimal(sum(given)) * 20 / len(given)) if given else None,
    }


def scorecard_score(components, weights=None):
    """The weighted mean of the components with data, to one place (None if none has)."""
    weights = settings.OUTLET_SCORECARD_WEIGHTS if weights is None else weights
    total = Decimal(0)
    weight_sum = 0
    for name, value in components.items():
        weight = int(weights.get(name, 0))
        if value is None or weight <= 0:
            continue
        total += value * weight
        weight_sum += weight
    if not weight_sum:
        return None
    return (total / weight_sum).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def scorecard_grade(score, grades=None):
    """The grade of ``score`` (``""`` without a score)."""
    if score is None:
        return ""
    grades = settings.OUTLET_SCORECARD_GRADES if grades is None else grades
    for grade, lowest in sorted(grades.items(), key=lambda item: -float(item[1])):
        if Decimal(str(score)) >= Decimal(str(lowest)):
            return Grade(grade).value
    return Grade.D.value
