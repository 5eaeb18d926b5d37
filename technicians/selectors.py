"""Reads of the technicians app: lists, dispatch candidates, performance."""

import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import connections
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from aftersales.dates import local_day_bounds
from aftersales.roles import Role, has_role
from tickets.choices import TicketStatus
from tickets.models import Product, Ticket
from tickets.selectors import first_time_fix_marks

from .eligibility import (
    EligibilityFacts,
    eligibility_reasons,
    training_compliant,
    training_minimum,
    training_year,
)
from .models import Absence, Certification, Technician, TrainingRecord

RANKING_WINDOW_DAYS = 90


SEE_ALL = (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR)


def _visible(queryset, user, own):
    """Desk and audit roles see every row; a technician only the rows ``own`` marks theirs."""
    return queryset if has_role(user, *SEE_ALL) else queryset.filter(**{own: user})


def technician_list(*, user):
    """Desk and audit roles see every technician; a technician sees only themself; an
    outlet dispatcher the technicians of the outlets they dispatch for."""
    queryset = Technician.objects.select_related("user", "home_outlet").prefetch_related("areas")
    if not has_role(user, *SEE_ALL) and has_role(user, Role.OUTLET_DISPATCHER):
        return queryset.filter(Q(user=user) | Q(outlet__dispatchers=user))
    return _visible(queryset, user, "user")


def certification_list(*, user):
    """Certificates: desk and audit roles see all, a technician their own."""
    return _visible(
        Certification.objects.select_related("type", "technician"), user, "technician__user"
    )


def training_record_list(*, user):
    return _visible(TrainingRecord.objects.select_related("technician"), user, "technician__user")


def absence_list(*, user):
    return _visible(Absence.objects.select_related("technician"), user, "technician__user")


def training_compliance(*, technician_ids, day=None):
    """Technician id → ``{"theory_hours", "practical_hours", "compliant"}`` over the
    training year ending on ``day`` (today by default). One query."""
    start, end = training_year(day or timezone.localdate())
    hours = training_hours(technician_ids=technician_ids, start=start, end=end)
    out = {}
    for pk in technician_ids:
        theory, practical = hours.get(pk, (0, 0))
        out[pk] = {
            "theory_hours": float(theory or 0),
            "practical_hours": float(practical or 0),
            "compliant": training_compliant(theory, practical),
        }
    return out


# --- Performance ---------------------------------------------------------------------------


def _jobs(technician_ids, start, end):
    """Jobs the technicians completed in [start, end), with their quality marks
    (``tickets.selectors.first_time_fix_marks``)."""
    jobs = Ticket.objects.filter(completed_at__gte=start, completed_at__lt=end)
    if technician_ids is not None:
        jobs = jobs.filter(technician_id__in=technician_ids)
    else:
        jobs = jobs.filter(technician_id__isnull=False)
    return jobs.annotate(**first_time_fix_marks())


def first_time_fix_rate(*, fixed, closed):
    """Pure: share of closed jobs fixed first time, or None with nothing to judge."""
    return round(fixed / closed, 4) if closed else None


def _ranking_figures(area_id):
    """The aggregates the dispatch ranking weighs, as ``annotate()`` arguments over
    ``_jobs``; ``_ranking_values`` turns a row of them into the figures."""
    closed = Q(closed_at__isnull=False)
    return {
        "closed_jobs": Count("id", filter=closed),
        "fixed_first_time": Count("id", filter=closed & Q(repeated=False, refused=False)),
        "satisfaction": Avg(Coalesce("follow_up_satisfaction", "satisfaction")),
        "area_jobs": Count("id", filter=Q(area_id=area_id)) if area_id else Count(None),
    }


def _ranking_values(row):
    satisfaction = row["satisfaction"]
    return {
        "closed_jobs": row["closed_jobs"],
        "first_time_fix_rate": first_time_fix_rate(
            fixed=row["fixed_first_time"], closed=row["closed_jobs"]
        ),
        "avg_satisfaction": round(float(satisfaction), 2) if satisfaction is not None else None,
        "area_jobs": row["area_jobs"],
    }


def technician_performance(*, start, end, technician_ids=None, area_id=None):
    """Technician id → performance over the jobs completed in [start, end). One query.

    ``jobs_done``; ``avg_dispatch_to_on_site_minutes`` (dispatch to check-in);
    ``first_time_fix_rate`` (closed jobs with no rejected confirmation and no repeat
    ticket for the same product within 30 days, over closed jobs);
    ``avg_satisfaction`` (the follow-up rating, else the sign-off rating); ``complaints``
    (complaint tickets about the same product within 30 days); ``area_jobs`` (jobs in
    ``area_id``, the ranking's familiarity measure).
    """
    rows = (
        _jobs(technician_ids, start, end)
        .values("technician_id")
        .annotate(
            jobs_done=Count("id"),
            complaints=Count("id", filter=Q(complained=True)),
            travel=Avg(
                ExpressionWrapper(
                    F("on_site_at") - F("dispatched_at"), output_field=DurationField()
                ),
                filter=Q(on_site_at__isnull=False, dispatched_at__isnull=False),
            ),
            **_ranking_figures(area_id),
        )
        .order_by()
    )
    out = {}
    for row in rows:
        travel = row["travel"]
        out[row["technician_id"]] = {
            "jobs_done": row["jobs_done"],
            "avg_dispatch_to_on_site_minutes": (
                round(travel.total_seconds() / 60, 1) if travel is not None else None
            ),
            "complaints": row["complaints"],
            **_ranking_values(row),
        }
    return out


def ranking_performance(*, start, end, technician_ids, area_id):
    """Technician id → what the dispatch ranking weighs of the jobs completed in
    [start, end) (``closed_jobs``, ``first_time_fix_rate``, ``avg_satisfaction``,
    ``area_jobs``), counted as ``technician_performance`` counts them. One query, without
    the figures the ranking does not show: the complaint probe per job and the travel
    time were a third of its cost over 2,000 technicians' 90 days."""
    rows = (
        _jobs(technician_ids, start, end)
        .values("technician_id")
        .annotate(**_ranking_figures(area_id))
        .order_by()
    )
    return {row["technician_id"]: _ranking_values(row) for row in rows}


EMPTY_PERFORMANCE = {
    "jobs_done": 0,
    "closed_jobs": 0,
    "avg_dispatch_to_on_site_minutes": None,
    "first_time_fix_rate": None,
    "avg_satisfaction": None,
    "complaints": 0,
    "area_jobs": 0,
}


# --- Dispatch ------------------------------------------------------------------------------


def rank_key(*, booked, first_time_fix, satisfaction, area_jobs, employee_no):
    """Pure: the order of eligible technicians, best first.

    Fewest jobs already booked that day; then the better first-time-fix rate, then the
    better satisfaction over the last 90 days (no history ranks after any history);
    then more recent jobs in the customer's area; then employee number, so the order
    is total and repeatable.
    """
    return (
        booked,
        -first_time_fix if first_time_fix is not None else 1,
        -satisfaction if satisfaction is not None else 1,
        -area_jobs,
        employee_no,
    )


def rank_reasons(*, booked, capacity, performance, training_compliant):
    """The explanation shown beside an eligible technician (codes with values)."""
    ftf = performance["first_time_fix_rate"]
    satisfaction = performance["avg_satisfaction"]
    reasons = [
        f"jobs_booked:{booked}/{capacity}",
        f"first_time_fix:{round(ftf * 100)}%" if ftf is not None else "first_time_fix:none",
        f"satisfaction:{satisfaction}" if satisfaction is not None else "satisfaction:none",
        f"area_jobs:{performance['area_jobs']}",
    ]
    if not training_compliant:
        reasons.append("training_incomplete")
    return reasons


class CandidateTechnician(NamedTuple):
    """A technician as the ranking reads them: the columns it shows and decides on, read as
    a row (a named tuple). Building 2,000 ``Technician`` model instances cost more than the
    rest of the ranking's Python; the callers need these fields only (and ``pk`` to fetch
    the one they dispatch to)."""

    pk: int
    full_name: str
    employee_no: str
    max_jobs_per_day: int
    working_days: str
    active: bool
    outlet_id: int | None

    @property
    def id(self):
        return self.pk

    def __str__(self):
        return f"{self.full_name} ({self.employee_no})"


_CANDIDATE_COLUMNS = (
    "pk", "full_name", "employee_no", "max_jobs_per_day", "working_days", "active", "outlet_id",
)  # fmt: skip
_FACT_COLUMNS = (
    "fact_covers_area", "fact_certified", "fact_absent", "fact_booked", "fact_theory",
    "fact_practical",
)  # fmt: skip
# The ranked list reads the day's bookings of everyone in a query of their own
# (``bookings_on`` without ids), and the training year's hours of those it needs them for
# (``training_hours``): its facts query leaves both out.
_LISTED_FACT_COLUMNS = ("fact_covers_area", "fact_certified", "fact_absent")


def _raw_rows(queryset):
    """A ``values_list`` queryset's rows as the database driver returns them. Django runs a
    converter over every value of an annotation (``Decimal(value)`` for a sum the driver
    already gives as a ``Decimal``), 10,000 calls for the 2,000 candidates; on PostgreSQL
    the driver's types are already the fields' (booleans, integers, decimals, text)."""
    db = connections[queryset.db]
    if db.vendor != "postgresql":
        return list(queryset)
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def dispatch_candidates(*, ticket, day):
    """Active technicians considered for ``ticket`` on ``day``: eligible first, in rank order.

    Each entry: ``technician`` (a ``CandidateTechnician`` row), ``eligible``, ``rank``
    (None if not eligible) and ``reasons`` — why they rank where they do, or why they may
    not go. Ranking data (the last 90 days' jobs) is read for the eligible only. Four
    queries whatever the number of technicians: the technicians with their eligibility
    facts (as rows, no model instances), the day's bookings of everyone, the training
    year's hours, the ranking. The hours are read for those otherwise eligible only
    (their rows show "training incomplete"), or for everyone when the training blocks
    dispatch (``TRAINING_BLOCKS_DISPATCH``, a reason against anyone): two sums probed per
    technician were two thirds of the facts query over 2,000 technicians.
    """
    candidates = Technician.objects.active()
    if ticket.outlet_id is not None:
        # Sent to a service outlet: only its technicians are considered (its dispatcher
        # sees no one else's name or calendar).
        candidates = candidates.filter(outlet_id=ticket.outlet_id)
    rows = _raw_rows(
        technicians_with_facts(
            candidates, ticket=ticket, day=day, bookings=False, training=False
        ).values_list(*_CANDIDATE_COLUMNS, *_LISTED_FACT_COLUMNS)
    )
    booked = bookings_on(day=day, technician_ids=None, exclude_ticket_id=ticket.pk)
    split = len(_CANDIDATE_COLUMNS)
    considered = []
    for row in rows:
        technician = CandidateTechnician._make(row[:split])
        covers, certified, absent = row[split:]
        # Training judged below, once the hours are read: compliant until then.
        fact = _facts(
            covers, certified, absent, booked.get(technician.pk, 0), True,
            outlet_id=technician.outlet_id, ticket=ticket,
        )  # fmt: skip
        against = eligibility_reasons(technician=technician, day=day, facts=fact)
        considered.append((technician, fact, against))
    considered = _with_training(considered, day=day)
    eligible_ids = [technician.pk for technician, _, against in considered if not against]
    since, _ = local_day_bounds(day - datetime.timedelta(days=RANKING_WINDOW_DAYS))
    until, _ = local_day_bounds(day)
    performance = (
        ranking_performance(
            start=since, end=until, technician_ids=eligible_ids, area_id=ticket.area_id
        )
        if eligible_ids
        else {}
    )
    scored = []
    for technician, fact, against in considered:
        if against:
            scored.append(((1, technician.employee_no), technician, against))
            continue
        perf = performance.get(technician.pk, EMPTY_PERFORMANCE)
        key = rank_key(
            booked=fact.booked,
            first_time_fix=perf["first_time_fix_rate"],
            satisfaction=perf["avg_satisfaction"],
            area_jobs=perf["area_jobs"],
            employee_no=technician.employee_no,
        )
        reasons = rank_reasons(
            booked=fact.booked,
            capacity=technician.max_jobs_per_day,
            performance=perf,
            training_compliant=fact.training_compliant,
        )
        scored.append(((0, key), technician, reasons))
    scored.sort(key=lambda row: row[0])
    entries, rank = [], 0
    for (ineligible, _key), technician, reasons in scored:
        rank += not ineligible
        entries.append(
            {
                "technician": technician,
                "eligible": not ineligible,
                "rank": None if ineligible else rank,
                "reasons": reasons,
            }
        )
    return entries


# --- Eligibility facts (the rule itself is technicians.eligibility) -------------------------


def _with_training(considered, *, day):
    """``considered`` ((technician, facts, reasons) judged as if compliant) with the
    training year's hours read and judged: for everyone when the training blocks dispatch
    (the rule asked again for each), else for the eligible only (the reason shown beside
    them). One query."""
    blocks = settings.TRAINING_BLOCKS_DISPATCH
    ids = (
        None if blocks else [technician.pk for technician, _, against in considered if not against]
    )
    if ids == []:
        return considered
    start, end = training_year(day)
    hours = training_hours(technician_ids=ids, start=start, end=end)
    minimum = training_minimum()
    out = []
    for technician, fact, against in considered:
        if blocks or not against:
            fact = fact._replace(
                training_compliant=training_compliant(
                    *hours.get(technician.pk, (None, None)), minimum=minimum
                )
            )
            if blocks:
                against = eligibility_reasons(
                    technician=technician, day=day, facts=fact, training_blocks=True
                )
        out.append((technician, fact, against))
    return out


def booked_on(day, *, exclude_ticket_id=None):
    """The jobs booked on ``day``, the one rule both ways of counting them share: every
    booking with an appointment that day counts, done or not; cancelled ones don't, nor
    the ticket being dispatched (its own booking, when rescheduled)."""
    start, end = local_day_bounds(day)
    return (
        Ticket.objects.filter(appointment_start__gte=start, appointment_start__lt=end)
        .exclude(status=TicketStatus.CANCELLED)
        .exclude(pk=exclude_ticket_id)
    )


def bookings_on(*, day, technician_ids, exclude_ticket_id=None):
    """Technician id → number of jobs booked on ``day`` (``booked_on``; one grouped
    query); ``technician_ids=None``: of every technician, read as one range of the day's
    appointments (``ticket_appointment_day``, from the index alone)."""
    technicians = (
        Q(technician_id__isnull=False)
        if technician_ids is None
        else Q(technician_id__in=technician_ids)
    )
    rows = (
        booked_on(day, exclude_ticket_id=exclude_ticket_id)
        .filter(technicians)
        .values("technician_id")
        .annotate(n=Count("id"))
    )
    return {row["technician_id"]: row["n"] for row in rows}


def training_hours(*, technician_ids, start, end):
    """Technician id → (theory, practical) hours completed in [start, end] (one query);
    ``technician_ids=None``: of every technician."""
    records = TrainingRecord.objects.filter(completed_on__gte=start, completed_on__lte=end)
    if technician_ids is not None:
        records = records.filter(technician_id__in=technician_ids)
    rows = records.values("technician_id").annotate(
        theory=Sum("theory_hours"), practical=Sum("practical_hours")
    )
    return {row["technician_id"]: (row["theory"], row["practical"]) for row in rows}


def technicians_with_facts(technicians, *, ticket, day, bookings=True, training=True):
    """``technicians`` (a queryset) annotated with what the eligibility rule needs to know
    about each for ``ticket`` on ``day`` (``facts_of`` reads them back): one query
    whatever their number. Each fact is a subquery correlated to the technician and
    answered from an index (area cover, certificates, absences, the day's bookings on
    ``ticket_tech_appointment``, the training year's hours), so 2,000 technicians cost
    2,000 index probes per fact, never 2,000 ids sent to the database and back six times.
    ``bookings=False`` leaves ``fact_booked`` out, for a caller that reads the day's
    bookings of everyone at once (``bookings_on``): 2,000 booking probes were three
    quarters of this query's time. ``training=False`` leaves the training hours out
    likewise (``training_hours``).
    """
    tech = OuterRef("pk")
    covers = (
        Exists(Technician.areas.through.objects.filter(technician_id=tech, area_id=ticket.area_id))
        if ticket.area_id is not None
        else Value(True)
    )
    certificates = Certification.objects.valid_on(day).filter(technician_id=tech)
    if ticket.product_id is not None:
        # The product category the job needs a certificate for; without a product any
        # valid certificate counts (nobody goes out uncertified).
        certificates = certificates.for_category(
            Subquery(Product.objects.filter(pk=ticket.product_id).values("model__category_id"))
        )
    booked = booked_on(day, exclude_ticket_id=ticket.pk).filter(technician_id=tech)
    year_start, year_end = training_year(day)
    records = TrainingRecord.objects.filter(
        technician_id=tech, completed_on__gte=year_start, completed_on__lte=year_end
    ).order_by()

    def total(column):
        # SUM over the technician's records, no GROUP BY (one row, NULL without any).
        return Subquery(records.values(total=Func(F(column), function="SUM")))

    facts = {
        "fact_covers_area": covers,
        "fact_certified": Exists(certificates),
        "fact_absent": Exists(Absence.objects.on(day).filter(technician_id=tech)),
    }
    if training:
        facts["fact_theory"] = total("theory_hours")
        facts["fact_practical"] = total("practical_hours")
    if bookings:
        facts["fact_booked"] = Coalesce(
            Subquery(booked.values("technician_id").annotate(n=Count("id")).values("n")),
            Value(0),
        )
    return technicians.annotate(**facts)


def _facts(covers, certified, absent, booked, compliant, *, outlet_id, ticket):
    """``EligibilityFacts`` from the facts read (``compliant``: the training judged)."""
    return EligibilityFacts(
        covers_area=covers,
        certified=certified,
        absent=absent,
        booked=booked,
        training_compliant=compliant,
        # A ticket sent to a service outlet goes to one of the outlet's technicians only.
        in_outlet=ticket.outlet_id is None or outlet_id == ticket.outlet_id,
    )


def facts_of(technician, *, ticket):
    """The ``EligibilityFacts`` of a technician read through ``technicians_with_facts``."""
    covers, certified, absent, booked, theory, practical = (
        getattr(technician, column) for column in _FACT_COLUMNS
    )
    return _facts(
        covers, certified, absent, booked, training_compliant(theory, practical),
        outlet_id=technician.outlet_id, ticket=ticket,
    )  # fmt: skip


def eligibility_facts(*, technician_ids, ticket, day):
    """Technician id → ``EligibilityFacts`` for ``ticket`` on ``day``, in one query
    whatever the number of technicians (``technicians_with_facts``)."""
    rows = technicians_with_facts(
        Technician.objects.filter(pk__in=technician_ids).only("id", "outlet_id"),
        ticket=ticket,
        day=day,
    )
    return {row.pk: facts_of(row, ticket=ticket) for row in rows}


def technician_eligibility(*, technician, ticket, start, end):
    """Reasons why ``technician`` may not take ``ticket`` in [start, end); empty = eligible."""
    day = timezone.localtime(start).date()
    facts = eligibility_facts(technician_ids=[technician.pk], ticket=ticket, day=day)
    return eligibility_reasons(
        technician=technician,
        day=day,
        facts=facts[technician.pk],
        training_blocks=settings.TRAINING_BLOCKS_DISPATCH,
    )
