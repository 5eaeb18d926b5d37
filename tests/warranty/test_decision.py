"""The warranty decision as a pure function: scopes, the repair-days extension, contracts."""

import datetime

from tickets.warranty.decision import ContractValue, TermValue, decide, repair_days

D = datetime.date
PURCHASE = D(2024, 3, 1)
TERMS = (
    TermValue(scope="unit", months=12),
    TermValue(scope="labour", months=12),
    TermValue(scope="part_group", months=60, part_group="compressor", part_group_name="Compressor"),
)


def test_in_for_the_compressor_out_for_labour():
    d = decide(day=D(2026, 1, 10), purchase_date=PURCHASE, terms=TERMS, part_group="compressor")
    assert d.decision == "out_of_warranty"
    assert (d.labour, d.callout, d.parts) == (False, False, False)
    assert d.free_part_groups == {"compressor"}
    assert "Compressor covered until 2029-03-01 by the main-parts warranty." in d.reasons
    assert "The labour warranty ended on 2025-03-01." in d.reasons
    assert d.reasons[-1] == "Charged: labour, call-out."


def test_everything_free_inside_the_unit_warranty():
    d = decide(day=D(2024, 9, 1), purchase_date=PURCHASE, terms=TERMS)
    assert d.decision == "in_warranty"
    assert (d.labour, d.callout, d.parts) == (True, True, True)
    assert "Unit covered until 2025-03-01 by the whole-unit warranty." in d.reasons


def test_without_terms_the_models_default_months_apply():
    assert decide(day=D(2025, 2, 28), purchase_date=PURCHASE, default_months=12).decision == (
        "in_warranty"
    )
    assert decide(day=D(2025, 3, 2), purchase_date=PURCHASE, default_months=12).decision == (
        "out_of_warranty"
    )


def test_days_under_repair_extend_the_warranty():
    day = D(2025, 3, 10)  # 9 days after the 12 months
    assert decide(day=day, purchase_date=PURCHASE, terms=TERMS[:1]).decision == "out_of_warranty"
    d = decide(day=day, purchase_date=PURCHASE, terms=TERMS[:1], repair_days=10)
    assert d.decision == "in_warranty"
    assert d.scopes[0].until == D(2025, 3, 11)
    assert "extended by 10 days under repair" in d.reasons[0]
    # switched off globally, or for the term
    assert (
        decide(
            day=day,
            purchase_date=PURCHASE,
            terms=TERMS[:1],
            repair_days=10,
            extension_enabled=False,
        ).decision
        == "out_of_warranty"
    )
    no_ext = (TermValue(scope="unit", months=12, extends=False),)
    assert decide(day=day, purchase_date=PURCHASE, terms=no_ext, repair_days=10).decision == (
        "out_of_warranty"
    )


def test_repair_days_count_the_union_of_intake_to_completion():
    before = D(2025, 1, 1)
    intervals = [
        (D(2024, 5, 1), D(2024, 5, 4)),  # 3 days
        (D(2024, 5, 3), D(2024, 5, 6)),  # overlaps: +2
        (D(2024, 6, 1), D(2024, 6, 1)),  # same day: 0
        (D(2024, 12, 30), None),  # still open: up to the day asked, 2
        (D(2025, 2, 1), D(2025, 2, 9)),  # after the day asked: not counted
    ]
    assert repair_days(intervals, before=before) == 7


def _contract(**kw):
    values = {
        "id": 7,
        "number": "SC-2026-000001",
        "kind": "extended_warranty",
        "starts_on": D(2025, 3, 1),
        "ends_on": D(2027, 2, 28),
        "parts": True,
        "labour": True,
        "callout": True,
        "visits_included": 2,
        "visits_used": 0,
    }
    values.update(kw)
    return ContractValue(**values)


def test_a_contract_makes_the_visit_free_until_its_visits_are_used():
    day = D(2026, 1, 10)
    d = decide(day=day, purchase_date=PURCHASE, terms=TERMS, contracts=[_contract(visits_used=1)])
    assert d.decision == "in_warranty" and d.contract_id == 7
    assert (
        "Contract SC-2026-000001 covers parts, labour, call-out until 2027-02-28 (visit 2 of 2)."
        in (d.reasons)
    )
    d = decide(day=day, purchase_date=PURCHASE, terms=TERMS, contracts=[_contract(visits_used=2)])
    assert d.decision == "out_of_warranty" and d.contract_id is None
    assert "Contract SC-2026-000001: all 2 included visits are used." in d.reasons


def test_a_contract_serves_its_kind_and_period_only():
    day = D(2026, 1, 10)
    maintenance = _contract(kind="maintenance")
    assert decide(day=day, purchase_date=PURCHASE, contracts=[maintenance]).contract_id is None
    d = decide(day=day, purchase_date=PURCHASE, contracts=[maintenance], category="maintenance")
    assert d.decision == "in_warranty" and d.contract_id == 7
    late = _contract(ends_on=D(2025, 12, 31))
    assert decide(day=day, purchase_date=PURCHASE, contracts=[late]).decision == "out_of_warranty"


def test_a_labour_only_contract_leaves_the_parts_charged():
    d = decide(
        day=D(2026, 1, 10),
        purchase_date=PURCHASE,
        terms=TERMS,
        contracts=[_contract(parts=False, visits_included=None)],
    )
    assert (d.labour, d.callout, d.parts) == (True, True, False)
    assert d.decision == "out_of_warranty"
    assert d.reasons[-1] == "Charged: parts."
    # ... unless the fault is the compressor, whose own warranty still runs
    d = decide(
        day=D(2026, 1, 10),
        purchase_date=PURCHASE,
        terms=TERMS,
        part_group="compressor",
        contracts=[_contract(parts=False, visits_included=None)],
    )
    assert d.decision == "in_warranty"


def test_maintenance_is_not_a_defect():
    d = decide(day=D(2024, 6, 1), purchase_date=PURCHASE, terms=TERMS, category="maintenance")
    assert d.decision == "out_of_warranty"
    assert not (d.labour or d.parts or d.free_part_groups)


def test_no_unit_is_undetermined_and_charged_by_default():
    d = decide(day=D(2026, 1, 1))
    assert d.decision == "out_of_warranty" and d.determined is False
