"""Search as a call-centre agent types: one reading of the query, one matching rule per
kind of record, shared by the header search, the screen pop and the ticket list's filter.

What a query matches:

- a customer by phone (the whole number in any spelling, +86 or 0086 included, or any 4+
  consecutive digits such as the last four), by name (Chinese characters anywhere in it),
  by full pinyin ("liuyang", any 3+ letters of it, or its start) and by pinyin initials
  from the start ("ly" for 刘洋);
- a product by serial (any 3+ characters of it) or by its model's code or name;
- a ticket by number (the whole number, any 3+ characters of it, or year and sequence
  without the zeros: "2026-2" is AS-2026-000002), or through its customer or product.

On PostgreSQL each rule reads an index (trigram GIN for fragments, a pattern B-tree for the
initials; tickets migrations 0003 and 0017); on SQLite the same lookups scan.
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When

from aftersales.text import is_digits

from .models import Customer, Product, ProductModel
from .names import HAN_CHARACTER, name_keys, query_pinyins
from .phones import normalize_phone, strip_home_prefix
from .selectors import customer_list, product_list, ticket_list

MAX_LENGTH = 100
MIN_LENGTH = 2  # Latin letters or digits; one Han character is enough
PHONE_FRAGMENT_MIN = 4  # fewer digits match too much of every phone number
FRAGMENT_MIN = 3  # a trigram index answers infix LIKE from three characters on
# A mainland mobile number has 11 digits: typed whole, it is the phone itself (no number
# stored in normal form holds it but itself), so the exact lookup answers it.
WHOLE_PHONE_DIGITS = 11
# A ticket number's longest run of digits is its six-digit sequence (AS-2026-000123).
NUMBER_DIGITS_MAX = 6
# Matching customers or products passed to the ticket query as literal ids: with
# ``IN (subquery)`` branches OR-ed together PostgreSQL cannot estimate the match count and
# walks the whole ticket index backwards. Past this many it keeps the subquery, where that
# walk finds the first page fast.
SEARCH_ID_LIMIT = 1000
# "washer" may name a few models; a word that names more is no search for a unit.
MODEL_MATCH_LIMIT = 3

_SEPARATORS = re.compile(r"[\s\-().]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
_DIGIT_RUNS = re.compile(r"\d+")
_NUMBER = re.compile(r"^(?:([A-Z]+)-)?(\d{4})-(\d{1,6})$")


@dataclass(frozen=True)
class SearchQuery:
    """A query read once: what it can stand for as a phone, a ticket number, a name."""

    text: str  # as typed, trimmed, spaces collapsed
    digits: str = ""  # the digits, when the query is a number with separators
    phone: str = ""  # the normal form, when it is a whole phone number
    number: str = ""  # the ticket number it spells out in full
    pinyin: str = ""  # the name key of a query without Han characters: "liuyang", "ly"
    pinyins: tuple = ()  # the readings of a query with Han characters
    han: bool = False

    @classmethod
    def parse(cls, text):
        """The query, or None when it is too short to search by."""
        text = _SPACES.sub(" ", _CONTROL.sub("", str(text or ""))).strip()[:MAX_LENGTH]
        han = bool(HAN_CHARACTER.search(text))
        if len(text) < (1 if han else MIN_LENGTH):  # one character is a surname: 刘
            return None
        compact = _SEPARATORS.sub("", text)
        digits = compact.removeprefix("+")
        digits = digits if is_digits(digits) else ""
        try:
            phone = normalize_phone(text) if digits else ""
        except ValueError:
            phone = ""
        if phone:  # +86 138 1234 … : the country prefix is no part of a stored number
            digits = phone.removeprefix("+")
        elif digits:  # a fragment: "+86 138 0013" searches for 1380013
            digits = strip_home_prefix(compact)
        number = _ticket_number(text.upper())
        if number:  # "2025-000123" is a ticket, not a phone number
            digits = phone = ""
        return cls(
            text=text,
            digits=digits,
            phone=phone,
            number=number,
            pinyin="" if han or digits or number else name_keys(text)[0],
            pinyins=tuple(query_pinyins(text)) if han else (),
            han=han,
        )

    @property
    def fragment(self):
        """Long enough to match inside a serial or a ticket number."""
        return len(self.text) >= FRAGMENT_MIN

    @cached_property
    def model_ids(self):
        """The product models whose code or name holds the query (one query over the few
        hundred models, once): as literal ids, so that the products' serial index and
        model index combine (``model IN (subquery)`` OR-ed with the serial made
        PostgreSQL scan every product)."""
        if not self.fragment:
            return []
        models = ProductModel.objects.filter(
            Q(code__icontains=self.text) | Q(name__icontains=self.text)
        )
        return list(models.order_by("pk").values_list("pk", flat=True)[:MODEL_MATCH_LIMIT])


def _ticket_number(upper):
    match = _NUMBER.match(upper)
    if not match:
        return ""
    prefix = match.group(1) or settings.TICKET_NUMBER_PREFIX
    return f"{prefix}-{match.group(2)}-{int(match.group(3)):06d}"


def _case(whens, *, default):
    """A rank from ``whens``; None when nothing can rank (every match is alike)."""
    return Case(*whens, default=Value(default), output_field=IntegerField()) if whens else None


def _any(conditions):
    combined = Q(pk__in=[])
    for condition in conditions:
        combined |= condition
    return combined


# --- One rule per kind of record ----------------------------------------------------------


def customer_q(query):
    """Customers matching ``query``: phone, name in characters, pinyin or initials."""
    conditions = []
    if query.phone:
        conditions.append(Q(phone=query.phone))
    if PHONE_FRAGMENT_MIN <= len(query.digits) < WHOLE_PHONE_DIGITS:
        conditions.append(Q(phone__contains=query.digits))
    if query.han:
        # The characters decide; the readings only let the pinyin index find the candidates
        # (two characters are too few for a trigram of the name itself).
        names = Q(name__icontains=query.text)
        if query.pinyins:
            names &= _any(Q(name_pinyin__contains=p) for p in query.pinyins)
        conditions.append(names)
    elif query.pinyin:
        if len(query.pinyin) >= FRAGMENT_MIN:
            conditions.append(Q(name_pinyin__contains=query.pinyin))
        else:
            conditions.append(Q(name_pinyin__startswith=query.pinyin))
        conditions.append(Q(name_initials__startswith=query.pinyin))
    return _any(conditions)


def customer_rank(query):
    """0 for the very customer (their phone, their whole name), 1 for a start, 2 otherwise."""
    whens = []
    if query.phone:
        whens.append(When(phone=query.phone, then=Value(0)))
    if query.han:
        whens.append(When(name=query.text, then=Value(0)))
        whens.append(When(name__startswith=query.text, then=Value(1)))
    if query.pinyin:
        whens.append(
            When(Q(name_initials=query.pinyin) | Q(name_pinyin=query.pinyin), then=Value(0))
        )
        whens.append(When(name_pinyin__startswith=query.pinyin, then=Value(1)))
    if query.digits:
        whens.append(When(phone__endswith=query.digits, then=Value(1)))
    return _case(whens, default=2)


def product_q(query):
    """Products matching ``query``: a fragment of the serial, or their model's code or name."""
    if not query.fragment:
        return Q(pk__in=[])
    return Q(serial_number__icontains=query.text) | Q(model_id__in=query.model_ids)


def product_rank(query):
    return Case(
        When(serial_number__iexact=query.text, then=Value(0)),
        When(serial_number__icontains=query.text, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def ticket_number_q(query):
    """Tickets whose number is or contains ``query`` (numbers hold digits: others skip)."""
    conditions = []
    if query.number:
        conditions.append(Q(number=query.number))
        if query.number.endswith(query.text.upper()):  # spelt out: nothing else contains it
            return _any(conditions)
    runs = _DIGIT_RUNS.findall(query.text)
    if query.fragment and runs and max(map(len, runs)) <= NUMBER_DIGITS_MAX:
        conditions.append(Q(number__icontains=query.text))
    return _any(conditions)


def ticket_rank(query):
    """The ticket spelt out first, then numbers ending in the fragment (the sequence an
    agent reads out), then the rest: tickets found through their customer or product."""
    whens = []
    if query.number:
        whens.append(When(number=query.number, then=Value(0)))
    if query.fragment:
        whens.append(When(number__iendswith=query.text, then=Value(1)))
        whens.append(When(number__icontains=query.text, then=Value(2)))
    return _case(whens, default=3)


def _ids_or_subquery(field_name, queryset):
    ids = list(queryset.values_list("pk", flat=True)[: SEARCH_ID_LIMIT + 1])
    if len(ids) > SEARCH_ID_LIMIT:
        return Q(**{f"{field_name}__in": queryset.values("pk")})
    return Q(**{f"{field_name}__in": ids})


def ticket_search_q(value):
    """Tickets matching ``value`` by number, customer or product: the ticket list's filter.

    The matching customers and products are looked up first (two indexed queries, none
    when the query cannot match that kind) and passed as literal id lists.
    """
    query = value if isinstance(value, SearchQuery) else SearchQuery.parse(value)
    if query is None:
        return Q(number=str(value).strip().upper())
    return (
        ticket_number_q(query)
        | _ids_or_subquery("customer_id", Customer.objects.filter(customer_q(query)))
        | _ids_or_subquery("product_id", Product.objects.filter(product_q(query)))
    )


# --- The header search ----------------------------------------------------------------------


@dataclass
class SearchResults:
    """What the header search shows, each group best match first."""

    query: SearchQuery | None
    customers: list = field(default_factory=list)
    products: list = field(default_factory=list)
    tickets: list = field(default_factory=list)

    @property
    def count(self):
        return len(self.customers) + len(self.products) + len(self.tickets)


def _best(queryset, condition, rank, limit, order=("-id",)):
    """The ``limit`` rows of ``queryset`` matching ``condition``, best ``rank`` first.

    Two statements: the ids ranked alone (an index bitmap and a top-N sort over the
    matches), then those rows with the selector's joins. In one statement PostgreSQL joined
    every match (2,000 units and their customers for "0140") before sorting them.
    """
    ranked = queryset.filter(condition)
    if rank is not None:  # (a constant rank would be "ORDER BY 3": not a column of the ids)
        ranked = ranked.annotate(search_rank=rank)
        order = ("search_rank", *order)
    ids = list(ranked.order_by(*order).values_list("pk", flat=True)[:limit])
    rows = {row.pk: row for row in queryset.filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


def search_customers(*, user, query, limit):
    """Customers ``user`` may read (not erased) matching ``query``, with their area."""
    return _best(customer_list(user=user).active(), customer_q(query), customer_rank(query), limit)


def search_products(*, user, query, limit):
    """Units of customers ``user`` may read matching ``query``, with model and owner."""
    return _best(product_list(user=user), product_q(query), product_rank(query), limit)


def search_tickets(*, user, query, limit, customers=(), products=()):
    """Tickets ``user`` may see whose number matches ``query`` (best first), then the
    newest of the ``customers`` and ``products`` found.

    The header lists the tickets of the records it shows, not of every customer a broad
    query matches ("ly" is thousands of them): that keeps the query to a few index
    probes. The ticket list's filter (``ticket_search_q``) takes every match.
    """
    condition = (
        ticket_number_q(query)
        | Q(customer_id__in=[c.pk for c in customers])
        | Q(product_id__in=[p.pk for p in products])
    )
    return _best(
        ticket_list(user=user), condition, ticket_rank(query), limit, ("-created_at", "-id")
    )


# What the search sets for its own statements on PostgreSQL, and puts back after them.
_PLANNER_SETTINGS = {"enable_seqscan": "off", "max_parallel_workers_per_gather": "0", "jit": "off"}


@contextmanager
def _index_plans():
    """Let PostgreSQL plan the search's statements on their indexes, in one process.

    A trigram match's cost is estimated from its trigrams' frequency, and the planner
    prices ``UPPER(serial) LIKE '%0140%'`` over 200,000 rows as cheaper than the bitmap
    of its index, then spends 300 ms on a parallel scan (or a parallel walk of a whole
    index) that the trigram bitmap answers in 10. Every statement of the search has an
    index to read, so for the search alone sequential scans, parallel workers and JIT are
    off; they are put back after it, even after an error (the connection is reused).
    """
    if connection.vendor != "postgresql":
        yield
        return
    names = list(_PLANNER_SETTINGS)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(["set_config(%s, %s, false)"] * len(names)),
            [value for name in names for value in (name, _PLANNER_SETTINGS[name])],
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("; ".join(f"RESET {name}" for name in names))


def global_search(*, user, text, limit):
    """Customers, products and tickets matching ``text`` that ``user`` may see, at most
    ``limit`` of each; in a fixed number of queries whatever the data (at most seven, and
    two on PostgreSQL to plan them)."""
    query = SearchQuery.parse(text)
    if query is None:
        return SearchResults(query=None)
    with _index_plans():
        customers = search_customers(user=user, query=query, limit=limit)
        products = search_products(user=user, query=query, limit=limit)
        tickets = search_tickets(
            user=user, query=query, limit=limit, customers=customers, products=products
        )
    return SearchResults(query=query, customers=customers, products=products, tickets=tickets)
