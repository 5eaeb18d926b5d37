"""The ticket list's reads (工单列表): saved views and their counts, sort keys, keyset pages.

The pages build on these (the desk's queue now, the supervisors' pages later); everything
here is a read over the ticket records, so it stands on the records floor with the
selectors. Each saved view is a condition, each sort key a tuple of columns ending with the
id, and a page is read from the index of its sort key, never with OFFSET or COUNT(*):

- the counts of the views over open tickets are one aggregate over the open tickets (a
  few thousand of a million, through the status index); "follow-ups due" counts closed
  tickets through its partial index;
- a page is the first ``size`` rows after (or before) a cursor, the cursor being the last
  row's sort-key values, compared as one row value so PostgreSQL starts the index range
  there (``ticket_priority_id``, ``ticket_status_rank_id``, ``ticket_sla_due_id``, ...).
"""

import base64
import binascii
import datetime
import json
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import BooleanField, Count, Expression, F, Q, Value
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .choices import OPEN_STATUSES, SlaState, TicketStatus
from .models import Ticket
from .models.core import FOLLOW_UP_DUE, SLA_DUE, STATUS_RANK
from .selectors import DASHBOARD_GENERATION_KEY, sla_state_q

# --- Saved views -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedView:
    """A named queue of the list (``?view=<slug>``): a condition on the visible tickets,
    the sort it opens with, and whether its tab shows a count (every view but "All")."""

    slug: str
    label: Promise
    default_sort: str = "-created"
    counted: bool = True
    open_only: bool = True  # counted in the one aggregate over the open tickets


def mine_q(user):
    """Tickets ``user`` owns (首问负责制) or is the assigned technician of. The technician is
    matched by a subquery, not a join, so counting the open tickets needs no join."""
    technicians = Ticket.technician.field.related_model.objects.filter(user=user)
    return Q(owner=user) | Q(technician__in=technicians.values("pk"))


def follow_ups_due_q(now):
    """Closed tickets owing their return visit (回访): closing set ``follow_up_due_at`` (the
    policy's ``follow_up_days`` later) and the visit is due from then on; until it is done
    (``ticket_follow_up`` moves the ticket to followed_up) it stays due. A ticket closed
    before the due instant was recorded (migration 0011) has none and is due already
    (``FOLLOW_UP_DUE``, one range of the partial index ``ticket_follow_up_due``)."""
    return Q(status=TicketStatus.CLOSED) & Q(LessThanOrEqual(FOLLOW_UP_DUE, Value(now)))


SAVED_VIEWS = (
    SavedView("mine", _("My open tickets")),
    SavedView("to_triage", _("To triage"), default_sort="sla_due"),
    SavedView("to_dispatch", _("To dispatch"), default_sort="sla_due"),
    SavedView("at_risk", _("At risk"), default_sort="sla_due"),
    SavedView("breached", _("Breached"), default_sort="sla_due"),
    SavedView("awaiting_confirmation", _("Awaiting confirmation")),
    SavedView("follow_ups_due", _("Follow-ups due"), default_sort="created", open_only=False),
    SavedView("all", _("All"), counted=False, open_only=False),
)
VIEWS_BY_SLUG = {view.slug: view for view in SAVED_VIEWS}
DEFAULT_VIEW = VIEWS_BY_SLUG["all"]


def saved_view(slug):
    """The view named ``slug``; "All" for a missing or unknown one."""
    return VIEWS_BY_SLUG.get(slug or "", DEFAULT_VIEW)


def saved_view_q(view, *, user, now):
    """The condition of ``view`` for ``user`` at ``now``."""
    is_open = Q(status__in=OPEN_STATUSES)
    match view.slug:
        case "mine":
            return is_open & mine_q(user)
        case "to_triage":
            return Q(status=TicketStatus.NEW)
        case "to_dispatch":
            return Q(status=TicketStatus.TRIAGED)
        case "at_risk":
            return sla_state_q(SlaState.AT_RISK, now=now)  # open by definition
        case "breached":
            # The queue is what can still be acted on: open tickets past a deadline.
            return is_open & sla_state_q(SlaState.BREACHED, now=now)
        case "awaiting_confirmation":
            return Q(status=TicketStatus.AWAITING_CONFIRMATION)
        case "follow_ups_due":
            return follow_ups_due_q(now)
    return Q()


# A view that is not bounded by the open tickets (follow-ups due: closed tickets, which can
# pile up by the hundred thousand) is counted up to this many and shown as "999+" beyond.
COUNT_CAP = 999
# The counts every desk user shares are kept this long, and only until the next ticket write
# commits (the services bump the dashboard's generation): SLA states also move with the clock.
COUNTS_CACHE_SECONDS = 15
COUNTED = tuple(v for v in SAVED_VIEWS if v.counted)


def _counts(visible, *, user, now, views):
    """The counts of ``views``: one conditional aggregate over the open tickets, and a count
    (stopped at ``COUNT_CAP + 1``) for a view beyond them."""
    counts = visible.open().aggregate(
        **{
            v.slug: Count("pk", filter=saved_view_q(v, user=user, now=now))
            for v in views
            if v.open_only
        }
    )
    for view in views:
        if not view.open_only:
            matching = visible.filter(saved_view_q(view, user=user, now=now))
            counts[view.slug] = matching.order_by()[: COUNT_CAP + 1].count()
    return counts


def saved_view_counts(*, user, now=None):
    """{slug: count} of every counted view among the tickets ``user`` may see.

    For the desk and auditors, who see every ticket, the counts but "mine" are the same for
    all and cached (``COUNTS_CACHE_SECONDS``, dropped at the next ticket write): 100 desks
    polling every 30 s then cost one aggregate, not 100; "mine" is one indexed count of
    their own open tickets (``ticket_open_owner``). Otherwise (a technician, an integrator,
    or an explicit ``now``) all of them: two queries, whatever the table's size."""
    visible = Ticket.objects.visible_to(user)
    if now is not None or visible.query.has_filters():  # filtered: not everyone's counts
        return _counts(visible, user=user, now=now or timezone.now(), views=COUNTED)
    now = timezone.now()
    key = f"tickets:queue-counts:{cache.get(DASHBOARD_GENERATION_KEY, 0)}"
    shared = cache.get(key)
    if shared is None:
        shared = _counts(
            visible, user=user, now=now, views=[v for v in COUNTED if v.slug != "mine"]
        )
        cache.set(key, shared, COUNTS_CACHE_SECONDS)
    mine = visible.filter(saved_view_q(VIEWS_BY_SLUG["mine"], user=user, now=now)).count()
    return {**shared, "mine": mine}


# --- Sort keys and keyset pages -----------------------------------------------------------


def _datetime(value):
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(value)
    return parsed


@dataclass(frozen=True)
class SortKey:
    """One sortable column (``?sort=<slug>`` ascending, ``?sort=-<slug>`` descending).

    ``columns`` are (expression, parse) pairs, the last one the ticket id, so the key is
    unique and a page boundary falls between two rows, never inside a tie. ``parse``
    reads a value back from a cursor."""

    slug: str
    columns: tuple


_ID = (F("id"), int)
SORT_KEYS = {
    key.slug: key
    for key in (
        # Numbers are handed out in creation order, so the number column sorts by creation.
        SortKey("created", ((F("created_at"), _datetime), _ID)),
        SortKey("status", ((STATUS_RANK, int), _ID)),
        SortKey("sla_due", ((SLA_DUE, _datetime), _ID)),
        SortKey("priority", ((F("priority"), str), _ID)),
        SortKey("customer", ((F("customer__name"), str), (F("customer_id"), int), _ID)),
        SortKey("owner", ((F("owner__username"), str), (F("owner_id"), int), _ID)),
    )
}


def parse_sort(value, *, default):
    """``(key, descending)`` from a ``sort`` parameter (``-`` first: descending), or from
    ``default`` when the parameter names no key."""
    for candidate in (value or "", default):
        key = SORT_KEYS.get(candidate.removeprefix("-"))
        if key is not None:
            return key, candidate.startswith("-")
    raise ValueError(f"No sort key {default!r}")


class _RowCompare(Expression):
    """``(a, b, c) > (x, y, z)``: a row-value comparison, which PostgreSQL answers as one
    index range on an index over (a, b, c) (an OR of column comparisons it cannot); SQLite
    has row values too."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, left, operator, right):
        super().__init__()
        self.left, self.operator, self.right = list(left), operator, list(right)

    def get_source_expressions(self):
        return [*self.left, *self.right]

    def set_source_expressions(self, expressions):
        self.left, self.right = expressions[: len(self.left)], expressions[len(self.left) :]

    def as_sql(self, compiler, connection):
        sides, params = [], []
        for side in (self.left, self.right):
            compiled = [compiler.compile(expression) for expression in side]
            sides.append(", ".join(sql for sql, _params in compiled))
            params.extend(p for _sql, side_params in compiled for p in side_params)
        return f"({sides[0]}) {self.operator} ({sides[1]})", params


def cursor_encode(values):
    """A row's sort-key values as a URL-safe token (JSON, base64url)."""
    plain = [v.isoformat() if isinstance(v, datetime.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def cursor_decode(token, key):
    """The values of ``token`` for ``key``, or None when it is not one of its cursors."""
    if not token:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(raw, list) or len(raw) != len(key.columns):
            return None
        return [parse(value) for (_expr, parse), value in zip(key.columns, raw, strict=True)]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


@dataclass(frozen=True)
class KeysetPage:
    rows: list
    next_cursor: str | None  # ?after= for the page after this one
    previous_cursor: str | None  # ?before= for the page before it


def keyset_page(queryset, *, key, descending, size, after=None, before=None):
    """Rows ``size`` at a time in ``key`` order, from just after the ``after`` cursor or
    just before the ``before`` one (decoded values, ``cursor_decode``): one query of
    ``size + 1`` rows (the extra one tells whether more follow); reading backwards to the
    start returns the first page."""
    names = [f"sort_{i}" for i in range(len(key.columns))]
    unpaged = queryset
    queryset = queryset.annotate(
        **{name: expr for name, (expr, _parse) in zip(names, key.columns, strict=True)}
    )
    backwards = before is not None
    cursor = before if backwards else after
    ascending = descending == backwards  # the direction the index is read in
    if cursor is not None:
        values = [
            Value(value, output_field=queryset.query.annotations[name].output_field)
            for name, value in zip(names, cursor, strict=True)
        ]
        lead = {f"{names[0]}__{'gte' if ascending else 'lte'}": cursor[0]}
        # The lead column's own bound lets a multi-table key (customer, owner) start its
        # index range on the joined table too; the row value decides the rest.
        queryset = queryset.filter(
            _RowCompare([F(n) for n in names], ">" if ascending else "<", values), **lead
        )
    order = [F(n).asc() if ascending else F(n).desc() for n in names]
    # Keys first, rows second: the ordered query reads only the ticket (and the key's own
    # table), so a sort whose groups are large (an owner's ten thousand tickets) walks index
    # entries, not joined rows; the page's rows are then fetched by id.
    keys = list(
        queryset.select_related(None).order_by(*order).values_list("pk", *names)[: size + 1]
    )
    more = len(keys) > size
    keys = keys[:size]
    if backwards:
        if not more:
            return keyset_page(unpaged, key=key, descending=descending, size=size)
        keys.reverse()
    loaded = unpaged.in_bulk([k[0] for k in keys])
    rows = [loaded[k[0]] for k in keys if k[0] in loaded]

    def cursor_of(values):
        return cursor_encode(values[1:])

    has_next = bool(keys) and (more or backwards)
    has_previous = bool(keys) and (cursor is not None)
    return KeysetPage(
        rows=rows,
        next_cursor=cursor_of(keys[-1]) if has_next else None,
        previous_cursor=cursor_of(keys[0]) if has_previous else None,
    )
