"""The cost of a ticket (labour, parts at cost, travel, outsourcing): a hand computation,
the SQL selector equal to the pure rule, report totals equal to the sum of ticket costs,
budgets against actual."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from technicians.outlets.choices import OutletKind
from technicians.outlets.models import Outlet
from tests.costs.conftest import approve_all
from tests.tickets.factories import AreaFactory, ProductFactory
from tickets.charges.choices import PriceListStatus
from tickets.charges.models import CalloutZone, LabourRate, PriceList
from tickets.costs import services
from tickets.costs.choices import CostGrouping
from tickets.costs.costing import ticket_cost
from tickets.costs.models import CostRate
from tickets.costs.selectors import (
    GROUP_COLUMNS,
    _costs_sql,
    _params,
    _portable_report_rows,
    budget_vs_actual,
    cost_report,
    ticket_cost_of,
    ticket_costs,
)

pytestmark = pytest.mark.django_db

D = Decimal


def test_the_rule_on_plain_values():
    start = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
    cost = ticket_cost(
        on_site_at=start,
        completed_at=start + datetime.timedelta(minutes=100),
        partner=False,
        labour_hourly_rate=D("80.00"),
        travel_km=D("12.5"),
        travel_km_rate=D("1.50"),
        parts=[(2, D("40.00")), (1, D("12.35"))],
        claims=[D("15.00"), D("6.50")],
    )
    # 100 min × 80/h = 133.333… → 133.33; 12.5 km × 1.50 = 18.75, + 21.50 of claims.
    assert cost.labour == D("133.33")
    assert cost.parts == D("92.35")
    assert cost.travel == D("40.25")
    assert cost.outsourcing == D("0.00")
    assert cost.total == D("265.93")


def test_a_partner_job_costs_its_outsourced_fee_not_own_labour_or_distance():
    start = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
    cost = ticket_cost(
        on_site_at=start,
        completed_at=start + datetime.timedelta(hours=2),
        partner=True,
        labour_hourly_rate=D("80.00"),
        travel_km=D("30"),
        travel_km_rate=D("1.50"),
        parts=[(1, D("40.00"))],
        claims=[D("8.00")],
        outsourced_fee=D("150.00"),
    )
    assert (cost.labour, cost.parts, cost.travel, cost.outsourcing) == (
        D("0.00"),
        D("40.00"),
        D("8.00"),
        D("150.00"),
    )


def test_the_cost_of_a_ticket_equals_a_hand_computation(
    rate, completed_job, part, file_claim, supervisor, finance
):
    job = completed_job(minutes=90, km="12.5", parts=[(part, 2)])
    approve_all(file_claim("15.00", ticket=job), supervisor, finance)
    file_claim("99.00", ticket=job)  # pending: not a cost yet
    # 1.5 h × 80 = 120; 2 × 40 = 80; 12.5 × 1.50 = 18.75 + 15 approved.
    expected = {"labour": D("120.00"), "parts": D("80.00"), "travel": D("33.75")}
    cost = ticket_cost_of(job)
    assert (cost.labour, cost.parts, cost.travel, cost.outsourcing) == (
        expected["labour"],
        expected["parts"],
        expected["travel"],
        D("0.00"),
    )
    assert cost.total == D("233.75")
    assert ticket_costs([job.pk])[job.pk] == cost


def test_the_rate_in_force_on_the_completion_day_prices_the_job(rate, completed_job):
    old = completed_job(
        minutes=60, km="10", completed_at=timezone.now() - datetime.timedelta(days=3)
    )
    CostRate.objects.create(
        effective_from=timezone.localdate() - datetime.timedelta(days=1),
        labour_hourly_rate=D("100.00"),
        travel_km_rate=D("2.00"),
    )
    new = completed_job(minutes=60, km="10")
    costs = ticket_costs([old.pk, new.pk])
    assert (costs[old.pk].labour, costs[old.pk].travel) == (D("80.00"), D("15.00"))
    assert (costs[new.pk].labour, costs[new.pk].travel) == (D("100.00"), D("20.00"))
    assert costs[new.pk] == ticket_cost_of(new)


def _price_list(category_id=None):
    price_list = PriceList.objects.create(
        code="PL-1",
        name="Standards",
        effective_from=datetime.date(2020, 1, 1),
        status=PriceListStatus.PUBLISHED,
    )
    LabourRate.objects.create(price_list=price_list, service_type="repair", amount=D("90.00"))
    if category_id:
        LabourRate.objects.create(
            price_list=price_list,
            service_type="repair",
            product_category_id=category_id,
            amount=D("120.00"),
        )
    CalloutZone.objects.create(
        price_list=price_list, code="A", name="Near", up_to_km=D("20"), fee=D("30")
    )
    CalloutZone.objects.create(
        price_list=price_list, code="B", name="Far", up_to_km=None, fee=D("60")
    )
    return price_list


def test_a_partner_outlets_job_in_sql_equals_the_rule(rate, completed_job, part, technician):
    product = ProductFactory()
    _price_list(category_id=product.model.category_id)
    partner = Outlet.objects.create(
        code="P1", name="Partner", kind=OutletKind.PARTNER, company_name="Partner Ltd"
    )
    near = completed_job(minutes=120, km="12", outlet=partner, parts=[(part, 1)])
    far = completed_job(minutes=120, km="45", outlet=partner, product=_own(product, technician))
    costs = ticket_costs([near.pk, far.pk])
    # The generic repair fee 90 + zone A 30; the product category's fee 120 + zone B 60.
    assert costs[near.pk].outsourcing == D("120.00")
    assert costs[near.pk].labour == D("0.00") and costs[near.pk].parts == D("40.00")
    assert costs[far.pk].outsourcing == D("180.00")
    assert costs[near.pk] == ticket_cost_of(near)
    assert costs[far.pk] == ticket_cost_of(far)


def test_a_partner_technicians_job_is_outsourced_without_the_tickets_outlet(
    rate, completed_job, technician
):
    _price_list()
    partner = Outlet.objects.create(
        code="P2", name="Partner two", kind=OutletKind.PARTNER, company_name="Two Ltd"
    )
    technician.outlet = partner
    technician.save(update_fields=["outlet"])
    job = completed_job(minutes=60, km="5")
    cost = ticket_costs([job.pk])[job.pk]
    assert (cost.labour, cost.outsourcing) == (D("0.00"), D("120.00"))  # 90 + zone A 30
    assert cost == ticket_cost_of(job)
    start = timezone.now() - datetime.timedelta(days=1)
    end = timezone.now() + datetime.timedelta(days=1)
    rows = cost_report(start=start, end=end, group_by=CostGrouping.OUTLET)["rows"]
    assert [(r["key"], r["label"]) for r in rows] == [(partner.pk, "Partner two")]


def _own(product, technician):
    product.customer.area = technician.areas.first()
    product.customer.save()
    return product


def test_report_totals_equal_the_sum_of_ticket_costs(
    rate, completed_job, part, file_claim, supervisor, finance, technician
):
    jobs = [
        completed_job(minutes=45, km="3", parts=[(part, 1)], warranty="in_warranty"),
        completed_job(minutes=130, km="18.3", warranty="out_of_warranty"),
        completed_job(minutes=61, km=None, category="installation"),
    ]
    approve_all(file_claim("22.40", ticket=jobs[1]), supervisor, finance)
    start = timezone.now() - datetime.timedelta(days=1)
    end = timezone.now() + datetime.timedelta(days=1)
    costs = [ticket_cost_of(job) for job in jobs]
    for group_by in CostGrouping:
        report = cost_report(start=start, end=end, group_by=group_by)
        totals = report["totals"]
        assert totals["tickets"] == 3
        for name in ("labour", "parts", "travel", "outsourcing", "total"):
            assert totals[name] == sum((getattr(c, name) for c in costs), D("0.00")), name
            assert totals[name] == sum((r[name] for r in report["rows"]), D("0.00"))
    by_warranty = cost_report(start=start, end=end, group_by=CostGrouping.WARRANTY)
    rows = {r["key"]: r for r in by_warranty["rows"]}
    assert rows["out_of_warranty"]["total"] == costs[1].total
    assert rows["out_of_warranty"]["label"] == "Out of warranty (charged)"
    by_category = cost_report(start=start, end=end, group_by=CostGrouping.CATEGORY)
    rows = {r["key"]: r for r in by_category["rows"]}
    assert rows["repair"]["tickets"] == 2
    assert rows["repair"]["per_ticket"] == ((costs[0].total + costs[1].total) / 2).quantize(
        D("0.01")
    )


def test_the_report_leaves_out_tickets_completed_outside_the_period(rate, completed_job):
    completed_job(completed_at=timezone.now() - datetime.timedelta(days=40))
    inside = completed_job()
    report = cost_report(
        start=timezone.now() - datetime.timedelta(days=1),
        end=timezone.now() + datetime.timedelta(days=1),
    )
    assert report["totals"]["tickets"] == 1
    assert report["totals"]["total"] == ticket_cost_of(inside).total


def test_the_report_runs_a_constant_number_of_queries(
    rate, completed_job, django_assert_max_num_queries
):
    for _ in range(4):
        completed_job()
    with django_assert_max_num_queries(2):
        cost_report(
            start=timezone.now() - datetime.timedelta(days=1),
            end=timezone.now() + datetime.timedelta(days=1),
            group_by=CostGrouping.AREA,
        )


def test_budget_against_actual(rate, completed_job, finance, technician, file_claim, supervisor):
    area = technician.areas.first()
    job = completed_job(minutes=60, km="10")  # labour 80, travel 15
    approve_all(file_claim("12.00"), supervisor, finance)  # no ticket: centre-wide travel
    month = timezone.localdate().replace(day=1)
    services.budget_set(actor=finance, month=month, area=area, kind="labour", amount=D("50.00"))
    services.budget_set(actor=finance, month=month, area=area, kind="travel", amount=D("100.00"))
    budget = services.budget_set(
        actor=finance, month=month, area=area, kind="travel", amount=D("90.00")
    )
    assert budget.amount == D("90.00")
    first = month
    last = (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time()))
    end = timezone.make_aware(
        datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time())
    )
    result = budget_vs_actual(first=first, last=last, start=start, end=end)
    rows = {(r["area"], r["kind"]): r for r in result["rows"]}
    labour = rows[(area.pk, "labour")]
    assert (labour["budget"], labour["actual"], labour["variance"]) == (
        D("50.00"),
        ticket_cost_of(job).labour,
        D("-30.00"),
    )
    assert labour["over"] is True and labour["used_pct"] == D("160.0")
    travel = rows[(area.pk, "travel")]
    assert (travel["budget"], travel["actual"], travel["variance"]) == (
        D("90.00"),
        D("15.00"),
        D("75.00"),
    )
    assert rows[(None, "travel")]["actual"] == D("12.00")
    assert rows[(None, "travel")]["budget"] is None
    assert result["totals"]["travel"]["actual"] == D("27.00")


def test_budgets_are_set_by_finance_or_the_manager_only(supervisor, technician):
    from aftersales.exceptions import ActionForbidden
    from tickets.costs.models import Budget

    with pytest.raises(ActionForbidden):
        services.budget_set(
            actor=supervisor,
            month=datetime.date(2026, 1, 1),
            area=AreaFactory(),
            kind="labour",
            amount=D("1"),
        )
    assert not Budget.objects.exists()


def test_the_portable_report_of_make_runs_sqlite_equals_the_statement(
    rate, completed_job, part, file_claim, supervisor, finance, technician
):
    """Off PostgreSQL (``make run``) the report prices each ticket through the ORM; run
    here on PostgreSQL, both ways must give the same rows for every grouping."""
    partner = Outlet.objects.create(
        code="P3", name="Partner three", kind=OutletKind.PARTNER, company_name="Three Ltd"
    )
    jobs = [
        completed_job(minutes=45, km="3", parts=[(part, 2)], warranty="in_warranty"),
        completed_job(minutes=130, km="18.3", warranty="out_of_warranty"),
        completed_job(minutes=61, km=None, category="installation"),
    ]
    _price_list()  # after the charged job (it would then need a quote): the partner's fees
    technician.outlet = partner
    technician.save(update_fields=["outlet"])
    jobs.append(completed_job(minutes=30, km="5"))
    approve_all(file_claim("22.40", ticket=jobs[1]), supervisor, finance)
    start = timezone.now() - datetime.timedelta(days=1)
    end = timezone.now() + datetime.timedelta(days=1)
    where = "t0.completed_at >= %(start)s AND t0.completed_at < %(end)s"
    for group_by, column in GROUP_COLUMNS.items():
        sql = _costs_sql(where) + (
            f" SELECT {column}, count(*), sum(labour), sum(parts), sum(travel),"
            f" sum(outsourcing) FROM c t GROUP BY {column} ORDER BY 1 NULLS LAST"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, _params(start=start, end=end))
            statement = [
                (k, n, *(D(v).quantize(D("0.01")) for v in rest)) for k, n, *rest in cursor
            ]
        portable = _portable_report_rows(start=start, end=end, group_by=group_by)
        assert [tuple(r) for r in portable] == statement, group_by
