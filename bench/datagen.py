"""Synthetic, referentially valid data at scale, loaded with PostgreSQL COPY.

Used by ``manage.py generate_data``. Rows are built in Python from one seeded RNG (the
same seed gives the same data) and streamed to ``COPY ... FROM STDIN`` in chunks, so
memory stays flat whatever the size. Everything is derived the way the services would
write it: ticket numbers per year, SLA deadlines from the intake instant, stage
timestamps in order, one timeline event per transition, assignments only to technicians
covering the customer's area.
"""

import contextlib
import datetime
import functools
import io
import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection

from aftersales import partitioning
from tickets.models import Ticket
from tickets.names import name_keys
from tickets.selectors import repeat_visit_probe

CHUNK = 50_000
NULL = r"\N"

OPEN_MIX = [
    ("new", 10),
    ("triaged", 15),
    ("dispatched", 20),
    ("on_site", 5),
    ("awaiting_confirmation", 10),
    ("closed", 25),
    ("followed_up", 5),
    ("cancelled", 10),
]
OLD_MIX = [("followed_up", 55), ("closed", 35), ("cancelled", 10)]
STAGES = [
    "new",
    "triaged",
    "dispatched",
    "on_site",
    "awaiting_confirmation",
    "closed",
    "followed_up",
]
CHANNELS = ["phone", "phone", "phone", "web", "email", "api"]
CATEGORIES = ["repair"] * 6 + [
    "installation",
    "maintenance",
    "consultation",
    "complaint",
    "return_exchange",
]
PRIORITIES = ["p1", "p2", "p2", "p3", "p3", "p3", "p3", "p4"]
FAULT_CLASSES = ["software", "hardware", "hardware", "electrical", "mechanical", "user_error"]
SYMPTOMS = [
    "Not cooling",
    "Leaks water",
    "Loud noise when running",
    "Does not power on",
    "Error code E4 on display",
    "Door does not close",
    "Remote control unresponsive",
    "Smells of burning",
    "Vibrates during spin",
    "Ice builds up in freezer",
]
SURNAMES = [
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Zhao",
    "Huang",
    "Zhou",
    "Wu",
    "Xu",
    "Sun",
    "Hu",
    "Zhu",
    "Gao",
    "Lin",
    "He",
    "Guo",
    "Ma",
]
GIVEN = [
    "Wei",
    "Fang",
    "Na",
    "Min",
    "Jing",
    "Lei",
    "Yang",
    "Jie",
    "Tao",
    "Qiang",
    "Yan",
    "Hui",
    "Ping",
    "Gang",
    "Hao",
    "Xin",
    "Yu",
    "Jun",
]

# Customers carry Chinese names, as at a mainland service centre (what the search matches
# by characters, full pinyin and initials); the same draws as SURNAMES/GIVEN pick them, so
# the rest of the data set does not move. One in three gets a two-character given name,
# chosen from the customer id (no extra draw).
SURNAMES_ZH = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马"
GIVEN_ZH = "伟芳娜敏静磊洋杰涛强燕辉平刚浩欣宇军"


@dataclass
class Scale:
    tickets: int = 1_000_000
    customers: int | None = None
    technicians: int = 2_000
    areas: int = 20
    categories: int = 8
    product_models: int = 200
    agents: int = 100
    supervisors: int = 10
    integrators: int = 5
    audit_events_per_ticket: int = 1
    days: int = 730
    seed: int = 20261123

    def __post_init__(self):
        if self.customers is None:
            self.customers = max(1, self.tickets // 5)


@functools.cache
def _name_keys(name):
    return name_keys(name)  # a few thousand distinct names among 200,000 customers


def _text(value):
    if value is None:
        return NULL
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def copy_rows(table, columns, rows, after_chunk=None):
    """Stream ``rows`` (tuples) into ``table`` with COPY in chunks; returns the row count.

    ``after_chunk()`` runs after each chunk is in, e.g. to load rows that reference it.
    """
    count = 0
    buffer = io.StringIO()
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2's own cursor, for copy_expert
        for row in rows:
            buffer.write("\t".join(_text(v) for v in row))
            buffer.write("\n")
            count += 1
            if count % CHUNK == 0:
                buffer.seek(0)
                raw.copy_expert(sql, buffer)
                buffer = io.StringIO()
                if after_chunk:
                    after_chunk()
        buffer.seek(0)
        raw.copy_expert(sql, buffer)
        if after_chunk:
            after_chunk()
    return count


# The tables that take millions of rows. Their secondary indexes (those no constraint
# owns) are dropped before the load and built again after it, as pg_restore does: at
# 10,000,000 tickets keeping ~40 indexes on tickets up to date row by row was most of the
# load, and one sort per index afterwards is several times cheaper.
BULK_TABLES = (
    "tickets_customer",
    "tickets_product",
    "tickets_ticket",
    "tickets_ticketevent",
    "audits_auditevent",
)

_SECONDARY_INDEXES = """
    SELECT i.relname, pg_get_indexdef(x.indexrelid)
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
    ORDER BY t.relname, i.relname
"""


@contextlib.contextmanager
def deferred_indexes(tables, *, log=print):
    """Drop ``tables``' secondary indexes for the duration of a bulk load and build them
    again afterwards, under the same names and definitions (so the migrations' state
    still holds), also when the load fails. Unique and primary-key indexes stay: they
    are constraints. An index on a partitioned table is built again on the parent, which
    builds it on every partition (``pg_get_indexdef`` says ``ON ONLY`` for those)."""
    with connection.cursor() as cursor:
        cursor.execute(_SECONDARY_INDEXES, [list(tables)])
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    try:
        yield
    finally:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _name, definition in indexes:
                cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))
            cursor.execute("RESET maintenance_work_mem")
        log(
            f"  {'indexes built after':<22} {len(indexes):>10,}      in "
            f"{time.perf_counter() - started:6.1f} s"
        )


class Generator:
    """Builds and loads one data set. ``run()`` returns a dict of table → (rows, seconds)."""

    def __init__(self, scale, *, log=print):
        self.scale = scale
        self.rng = random.Random(scale.seed)
        self.now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        self.log = log
        self.report = {}

    # --- helpers -----------------------------------------------------------------------
    def _timed(self, name, table, columns, rows, after_chunk=None):
        started = time.perf_counter()
        count = copy_rows(table, columns, rows, after_chunk)
        elapsed = time.perf_counter() - started
        self.report[name] = (count, elapsed)
        self.log(f"  {name:<22} {count:>10,} rows in {elapsed:6.1f} s")
        return count

    def _name(self):
        return f"{self.rng.choice(SURNAMES)} {self.rng.choice(GIVEN)}"

    def _customer_name(self, cid):
        """A Chinese name and its pinyin keys (``Customer.save()`` derives them the same way)."""
        name = self.rng.choice(SURNAMES_ZH) + self.rng.choice(GIVEN_ZH)
        if cid % 3 == 0:
            name += GIVEN_ZH[cid * 7 % len(GIVEN_ZH)]
        return (name, *_name_keys(name))

    # --- the load ----------------------------------------------------------------------
    def run(self):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            # Django's foreign keys are deferred; checking them now lets TRUNCATE run even
            # inside a transaction that already wrote rows (the tests load twice in one).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # A bulk load is not a change to audit: the safety-net snapshot triggers
            # (audits/history.py) stay off for this session (superuser-only setting).
            cursor.execute("SET session_replication_role = replica")
        try:
            self._load()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
        self.report["total"] = (
            sum(rows for rows, _ in self.report.values()),
            time.perf_counter() - started,
        )
        return self.report

    def _load(self):
        self._truncate()
        self._reference()
        self._users()
        self._technicians()
        self._partitions()
        with deferred_indexes(BULK_TABLES, log=self.log):
            self._customers_and_products()
            self._tickets()
        self._fix_sequences()
        self._repeat_visits()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def _repeat_visits(self):
        """``Ticket.repeat_visit`` of the loaded jobs, which its triggers (off for the load)
        would have set as the tickets were written: one set-based pass of the probe."""
        started = time.perf_counter()
        marked = (
            Ticket.objects.filter(completed_at__isnull=False, product_id__isnull=False)
            .filter(repeat_visit_probe())
            .update(repeat_visit=True)
        )
        elapsed = time.perf_counter() - started
        self.log(f"  {'repeat visits marked':<22} {marked:>10,} rows in {elapsed:6.1f} s")

    def _partitions(self):
        """The monthly partitions of the data's whole span, as the monthly task would have
        made them while it was written (else every month before the migration lands in
        the default partition, which nothing prunes and retention cannot detach)."""
        first = partitioning.month_start(self.now - datetime.timedelta(days=self.scale.days))
        last = partitioning.month_start(self.now)
        with connection.cursor() as cursor:
            for table in partitioning.partitioned_tables(cursor):
                month = first
                while month <= last:
                    partitioning.create_month(cursor, table, month)
                    month = partitioning.add_months(month, 1)

    def _truncate(self):
        from audits.history import TRACKED

        tables = [
            *(model._meta.db_table for model in TRACKED.values()),
            "audits_kpireport",
            "audits_correctiveaction",
            "audits_finding",
            "audits_auditsample",
            "audits_qualityaudit",
            "audits_auditevent",
            # The chain's anchor goes with the chain (else the sealer refuses the new one).
            "audits_auditcheckpoint",
            "tickets_ticketevent",
            "tickets_ticket",
            "tickets_idempotencykey",
            "tickets_ticketnumbersequence",
            "tickets_product",
            "tickets_customer",
            "technicians_absence",
            "technicians_trainingrecord",
            "technicians_certification",
            "technicians_certificationtype_categories",
            "technicians_certificationtype",
            "technicians_technician_areas",
            "technicians_technician",
            "tickets_productmodel",
            "tickets_productcategory",
            "tickets_area",
            "authtoken_token",
            "tokens_integratortoken",
            "auth_user_groups",
            "auth_user",
        ]
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")

    def _reference(self):
        s = self.scale
        self._timed(
            "areas",
            "tickets_area",
            ["id", "code", "name"],
            ((i, f"area-{i:03d}", f"Area {i}") for i in range(1, s.areas + 1)),
        )
        self._timed(
            "product categories",
            "tickets_productcategory",
            ["id", "code", "name"],
            ((i, f"cat-{i:02d}", f"Category {i}") for i in range(1, s.categories + 1)),
        )
        self.model_category = {
            m: self.rng.randint(1, s.categories) for m in range(1, s.product_models + 1)
        }
        self.model_warranty = {m: self.rng.choice([12, 24, 36, 72]) for m in self.model_category}
        self._timed(
            "product models",
            "tickets_productmodel",
            ["id", "code", "name", "category_id", "warranty_months"],
            (
                (m, f"M-{m:04d}", f"Model {m}", c, self.model_warranty[m])
                for m, c in self.model_category.items()
            ),
        )

    def _users(self):
        s = self.scale
        password = make_password(settings.DEMO_PASSWORD)
        groups = dict(_fetch("SELECT name, id FROM auth_group"))
        self.users = {
            "agent": [],
            "supervisor": [],
            "integrator": [],
            "technician": [],
            "auditor": [],
        }
        rows, memberships = [], []
        plan = (
            [("agent", i) for i in range(1, s.agents + 1)]
            + [("supervisor", i) for i in range(1, s.supervisors + 1)]
            + [("integrator", i) for i in range(1, s.integrators + 1)]
            + [("auditor", 1)]
            + [("technician", i) for i in range(1, s.technicians + 1)]
        )
        for user_id, (role, index) in enumerate(plan, start=1):
            rows.append(
                (
                    user_id,
                    password,
                    None,
                    False,
                    f"{role}{index}",
                    "",
                    "",
                    "",
                    False,
                    True,
                    self.now,
                )
            )
            memberships.append((user_id, user_id, groups[role]))
            self.users[role].append(user_id)
        self._timed(
            "users",
            "auth_user",
            [
                "id",
                "password",
                "last_login",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
            ],
            iter(rows),
        )
        self._timed(
            "user roles", "auth_user_groups", ["id", "user_id", "group_id"], iter(memberships)
        )

    def _technicians(self):
        s = self.scale
        self.area_technicians = {a: [] for a in range(1, s.areas + 1)}
        rows, links = [], []
        for tech_id, user_id in enumerate(self.users["technician"], start=1):
            rows.append(
                (
                    tech_id,
                    user_id,
                    self._name(),
                    f"T{tech_id:05d}",
                    f"137{tech_id:08d}",
                    6,
                    "1234567",
                    True,
                    self.now,
                )
            )
            home = self.rng.randint(1, s.areas)
            for area in {home, self.rng.randint(1, s.areas)}:
                links.append((len(links) + 1, tech_id, area))
                self.area_technicians[area].append(tech_id)
        for area, techs in self.area_technicians.items():
            if not techs:  # every area is covered by someone
                tech_id = self.rng.randint(1, s.technicians)
                links.append((len(links) + 1, tech_id, area))
                techs.append(tech_id)
        self._timed(
            "technicians",
            "technicians_technician",
            [
                "id",
                "user_id",
                "full_name",
                "employee_no",
                "phone",
                "max_jobs_per_day",
                "working_days",
                "active",
                "created_at",
            ],
            iter(rows),
        )
        self._timed(
            "technician areas",
            "technicians_technician_areas",
            ["id", "technician_id", "area_id"],
            iter(links),
        )
        self._certificates()

    def _certificates(self):
        """One certificate type per category; each technician holds two or three, of which
        a few are expired or expiring (the mix dispatch meets); two courses a year each."""
        s = self.scale
        self._timed(
            "certification types",
            "technicians_certificationtype",
            ["id", "code", "name", "validity_months"],
            ((c, f"cert-{c:02d}", f"Qualification {c}", 36) for c in range(1, s.categories + 1)),
        )
        self._timed(
            "certification type categories",
            "technicians_certificationtype_categories",
            ["id", "certificationtype_id", "productcategory_id"],
            ((c, c, c) for c in range(1, s.categories + 1)),
        )
        today = self.now.date()
        certificates, courses = [], []
        for tech_id in range(1, s.technicians + 1):
            held = self.rng.sample(range(1, s.categories + 1), k=min(3, s.categories))
            for type_id in held[: self.rng.choice([2, 3])]:
                roll = self.rng.random()
                expires = today + datetime.timedelta(
                    days=-self.rng.randint(1, 200)
                    if roll < 0.03
                    else self.rng.randint(1, 30)
                    if roll < 0.05
                    else self.rng.randint(31, 900)
                )
                issued = expires - datetime.timedelta(days=3 * 365)
                status = "expired" if expires < today else "expiring" if roll < 0.05 else "valid"
                certificates.append(
                    (
                        len(certificates) + 1,
                        tech_id,
                        type_id,
                        f"C{tech_id:05d}-{type_id:02d}",
                        "Bench issuer",
                        issued,
                        expires,
                        "",
                        status,
                        "",
                        self.now,
                    )
                )
            for n in range(2):
                courses.append(
                    (
                        len(courses) + 1,
                        tech_id,
                        f"Course {n + 1}",
                        12 if n else 10,
                        6,
                        today - datetime.timedelta(days=self.rng.randint(1, 360)),
                        85,
                        self.now,
                    )
                )
        self._timed(
            "certifications",
            "technicians_certification",
            [
                "id",
                "technician_id",
                "type_id",
                "number",
                "issuer",
                "issued_on",
                "expires_on",
                "document",
                "status",
                "revoke_reason",
                "created_at",
            ],
            iter(certificates),
        )
        self._timed(
            "training records",
            "technicians_trainingrecord",
            [
                "id",
                "technician_id",
                "course",
                "theory_hours",
                "practical_hours",
                "completed_on",
                "score",
                "created_at",
            ],
            iter(courses),
        )

    def _customers_and_products(self):
        s = self.scale
        self.customer_area = [0] * (s.customers + 1)
        since = self.now - datetime.timedelta(days=s.days + 365)

        def customers():
            for cid in range(1, s.customers + 1):
                area = self.rng.randint(1, s.areas)
                self.customer_area[cid] = area
                created = since + datetime.timedelta(seconds=self.rng.randint(0, 3600 * 24 * 365))
                yield (
                    cid,
                    *self._customer_name(cid),
                    f"1{self.rng.choice('3589')}{cid:09d}",
                    f"c{cid}@example.com",
                    f"{cid} Example Road",
                    area,
                    "vip" if self.rng.random() < 0.05 else "standard",
                    True,
                    False,
                    "en" if cid % 4 == 0 else "zh-hans",  # no rng draw: later rows unchanged
                    None,
                    None,
                    created,
                    created,
                )

        self._timed(
            "customers",
            "tickets_customer",
            [
                "id",
                "name",
                "name_pinyin",
                "name_initials",
                "phone",
                "email",
                "address",
                "area_id",
                "tier",
                "consent_service",
                "consent_marketing",
                "language",
                "erased_at",
                "created_by_id",
                "created_at",
                "updated_at",
            ],
            customers(),
        )
        self.product_model = [0] * (s.customers + 1)

        def products():
            for pid in range(1, s.customers + 1):  # one registered unit per customer
                model = self.rng.randint(1, s.product_models)
                self.product_model[pid] = model
                bought = (since - datetime.timedelta(days=self.rng.randint(0, 1500))).date()
                yield (pid, pid, model, f"SN{pid:010d}", bought, self.now)

        self._timed(
            "products",
            "tickets_product",
            ["id", "customer_id", "model_id", "serial_number", "purchase_date", "created_at"],
            products(),
        )

    def _tickets(self):
        s = self.scale
        h = datetime.timedelta(hours=1)
        start = self.now - datetime.timedelta(days=s.days)
        span = (self.now - start).total_seconds()
        offsets = sorted(self.rng.random() * span for _ in range(s.tickets))
        self.events = []
        self.audit = []
        numbers = {}
        ticket_columns = [
            "id",
            "number",
            "status",
            "version",
            "customer_id",
            "product_id",
            "area_id",
            "channel",
            "category",
            "description",
            "fault_occurred_at",
            "priority",
            "fault_class",
            "warranty_decision",
            "owner_id",
            "created_by_id",
            "technician_id",
            "appointment_start",
            "appointment_end",
            "fault_code",
            "diagnosis",
            "work_done",
            "test_passed",
            "resolution",
            "confirmation_signature",
            "confirmation_comment",
            "satisfaction",
            "follow_up_satisfaction",
            "follow_up_comment",
            "cancel_reason",
            "response_due_at",
            "response_warn_at",
            "dispatch_due_at",
            "dispatch_warn_at",
            "responded_at",
            "dispatched_at",
            "sla_paused_at",
            "escalation_level",
            "created_at",
            "updated_at",
            "triaged_at",
            "on_site_at",
            "completed_at",
            "closed_at",
            "followed_up_at",
            "cancelled_at",
            "follow_up_due_at",
        ]
        self.side_counts = {"ticket events": 0, "audit events": 0}

        def tickets():
            rng = self.rng
            for tid, offset in enumerate(offsets, start=1):
                created = start + datetime.timedelta(seconds=offset)
                age_days = (self.now - created).days
                status = _pick(rng, OLD_MIX if age_days > 10 else OPEN_MIX)
                customer = rng.randint(1, s.customers)
                year = created.year
                numbers[year] = numbers.get(year, 0) + 1
                owner = rng.choice(self.users["agent"])
                channel = rng.choice(CHANNELS)
                creator = rng.choice(self.users["integrator"]) if channel == "api" else owner
                t = dict.fromkeys(ticket_columns)
                t.update(
                    id=tid,
                    number=f"{settings.TICKET_NUMBER_PREFIX}-{year}-{numbers[year]:06d}",
                    status=status,
                    customer_id=customer,
                    product_id=customer,
                    area_id=self.customer_area[customer],
                    channel=channel,
                    category=rng.choice(CATEGORIES),
                    description=rng.choice(SYMPTOMS),
                    priority=rng.choice(PRIORITIES),
                    fault_class="",
                    warranty_decision="",
                    owner_id=owner,
                    created_by_id=creator,
                    fault_code="",
                    diagnosis="",
                    work_done="",
                    resolution="",
                    confirmation_signature="",
                    confirmation_comment="",
                    follow_up_comment="",
                    cancel_reason="",
                    response_due_at=created + 24 * h,
                    response_warn_at=created + 18 * h,
                    dispatch_due_at=created + 48 * h,
                    dispatch_warn_at=created + 36 * h,
                    escalation_level=0,
                    created_at=created,
                )
                self._stages(t, created, status, rng, h)
                yield tuple(t[c] for c in ticket_columns)

        # Events and audit rows are flushed while the tickets stream, so their time is in
        # the tickets' line; their counts get lines of their own.
        self._timed(
            "tickets (+events)",
            "tickets_ticket",
            ticket_columns,
            tickets(),
            after_chunk=self._flush_side_tables,
        )
        for name, count in self.side_counts.items():
            self.report[name] = (count, 0.0)
            self.log(f"  {name:<22} {count:>10,} rows (loaded with the tickets)")
        with connection.cursor() as cursor:
            for year, last in numbers.items():
                cursor.execute(
                    "INSERT INTO tickets_ticketnumbersequence (year, last_value) VALUES (%s, %s)",
                    [year, last],
                )

    @staticmethod
    def _drain(rows):
        while rows:
            yield rows.pop()

    def _stages(self, t, created, status, rng, h):
        """Fill the stage timestamps up to ``status`` and queue the timeline events."""
        tid, owner = t["id"], t["owner_id"]
        events = [(tid, "created", "", "", "new", owner, "{}", created)]
        audit_actions = [("ticket.created", created, owner)]
        at = created
        reached = STAGES.index(status) if status != "cancelled" else rng.randint(0, 2)
        previous = "new"
        supervisor = rng.choice(self.users["supervisor"])
        technician = rng.choice(self.area_technicians[self.customer_area[t["customer_id"]]])
        tech_user = self.users["technician"][technician - 1]
        for stage in STAGES[1 : reached + 1]:
            actor = owner
            if stage == "triaged":
                at += h * rng.uniform(0.2, 30)  # a few first responses come late
                t.update(
                    triaged_at=at,
                    responded_at=at,
                    fault_class=rng.choice(FAULT_CLASSES),
                    warranty_decision=rng.choice(["in_warranty", "out_of_warranty"]),
                )
                action = "triage"
            elif stage == "dispatched":
                at += h * rng.uniform(0.5, 30)
                appointment = (at + datetime.timedelta(days=rng.randint(0, 2))).replace(
                    hour=rng.randint(1, 9), minute=0, second=0
                )
                appointment = max(appointment, at + h)
                t.update(
                    dispatched_at=at,
                    technician_id=technician,
                    appointment_start=appointment,
                    appointment_end=appointment + 2 * h,
                )
                action, actor = "dispatch", supervisor
            elif stage == "on_site":
                at = max(at, t["appointment_start"]) + h * rng.uniform(0, 0.5)
                t.update(on_site_at=at)
                action, actor = "check_in", tech_user
            elif stage == "awaiting_confirmation":
                at += h * rng.uniform(0.5, 3)
                t.update(
                    completed_at=at,
                    fault_code=f"E{rng.randint(1, 40)}",
                    diagnosis="Faulty component",
                    work_done="Component replaced",
                    test_passed=True,
                )
                action, actor = "complete", tech_user
            elif stage == "closed":
                at += h * rng.uniform(0, 24)
                # The return visit falls due a week after closing (the default policy).
                t.update(
                    closed_at=at,
                    follow_up_due_at=at + datetime.timedelta(days=7),
                    satisfaction=rng.choice([3, 4, 4, 5, 5, 5]),
                )
                if rng.random() < 0.9:  # a tenth of the work orders lack the signature
                    t.update(confirmation_signature="data:image/png;base64,iVBORw0KGgo=")
                action, actor = "confirm", tech_user
            else:
                at += h * rng.uniform(24, 120)
                t.update(followed_up_at=at, follow_up_satisfaction=rng.choice([3, 4, 5, 5]))
                action = "follow_up"
            events.append((tid, "transition", action, previous, stage, actor, "{}", at))
            audit_actions.append((f"ticket.{action}", at, actor))
            previous = stage
        if status == "cancelled":
            at += h * rng.uniform(1, 20)
            t.update(cancelled_at=at, cancel_reason="Customer withdrew the request")
            events.append((tid, "transition", "cancel", previous, "cancelled", owner, "{}", at))
            audit_actions.append(("ticket.cancel", at, owner))
        at = min(at, self.now)
        t.update(status=status, version=len(events), updated_at=at)
        self.events.extend(events)
        for action, when, actor in audit_actions[: self.scale.audit_events_per_ticket]:
            self.audit.append(
                (when, actor, action, "tickets.ticket", str(tid), tid, "{}", "api", "", None)
            )

    def _flush_side_tables(self):
        self.side_counts["ticket events"] += copy_rows(
            "tickets_ticketevent",
            [
                "ticket_id",
                "kind",
                "action",
                "from_status",
                "to_status",
                "actor_id",
                "payload",
                "created_at",
            ],
            self._drain(self.events),
        )
        self.side_counts["audit events"] += copy_rows(
            "audits_auditevent",
            [
                "created_at",
                "actor_id",
                "action",
                "object_type",
                "object_id",
                "ticket_id",
                "changes",
                "source",
                "request_id",
                "ip_address",
            ],
            self._drain(self.audit),
        )

    def _fix_sequences(self):
        with connection.cursor() as cursor:
            for table in [
                "auth_user",
                "auth_user_groups",
                "tickets_area",
                "tickets_productcategory",
                "tickets_productmodel",
                "tickets_customer",
                "tickets_product",
                "technicians_technician",
                "technicians_technician_areas",
                "technicians_certificationtype",
                "technicians_certificationtype_categories",
                "technicians_certification",
                "technicians_trainingrecord",
                "tickets_ticket",
                "tickets_ticketevent",
                "audits_auditevent",
            ]:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                )


def _pick(rng, mix):
    total = sum(weight for _, weight in mix)
    roll = rng.uniform(0, total)
    for value, weight in mix:
        roll -= weight
        if roll <= 0:
            return value
    return mix[-1][0]


def _fetch(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()
