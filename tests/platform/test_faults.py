"""Faults for real (issue 12): a sweeping process SIGKILLed mid-work, then swept again.

The subprocess runs the real command (``manage.py sla_sweep``) against this test's own
database (``transaction=True``: the backlog is committed, so the subprocess sees it), and
is ``kill -9``ed once some of its batches have committed. What must hold afterwards: no
half-written transition (each ticket has all its marks, timeline rows and its audit event
and the bumped version, or none of them), the unique constraint, each escalation once;
and once everything is swept and notified, every escalation's messages exist exactly
once per recipient and channel — none lost to the kill, none doubled by the re-run.
"""

import collections
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

from aftersales.platform.models import Notification
from audits.models import AuditEvent
from tests.tickets.factories import make_ticket
from tickets import services
from tickets.models import SlaEvent, Ticket, TicketEvent

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
H = datetime.timedelta(hours=1)
BACKLOG = 300  # tickets; at +100 h each gets 7 marks (3 of them escalations)
MARKS = {("warning", "response", 0), ("breach", "response", 0), ("warning", "dispatch", 0),
         ("breach", "dispatch", 0), ("escalation", "", 1), ("escalation", "", 2),
         ("escalation", "", 3)}  # fmt: skip
TIMELINE_KIND = {"warning": "sla_warning", "breach": "sla_breach", "escalation": "escalation"}


def _env():
    """The subprocess: this test's database (the test runner's name for it), same broker."""
    env = dict(os.environ)
    db = connection.settings_dict
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}{':' + db['PASSWORD'] if db['PASSWORD'] else ''}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env["DJANGO_SETTINGS_MODULE"] = "aftersales.settings.test"
    env["DB_CONN_MAX_AGE"] = "0"
    return env


def _start(*args):
    return subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=_env(),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def _kill_when(proc, progressed, timeout=30.0):
    """SIGKILL ``proc`` as soon as ``progressed()`` — it has committed some of its work."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output = proc.stdout.read().decode()
            pytest.fail(f"the process ended before it could be killed mid-work:\n{output}")
        if progressed():
            os.kill(proc.pid, signal.SIGKILL)
            assert proc.wait(timeout=10) == -signal.SIGKILL
            return
        time.sleep(0.01)
    proc.kill()
    pytest.fail("the process made no progress to kill it in")


def _backlog(agent):
    """BACKLOG tickets due alike: one through intake, the rest copies of its row."""
    template = make_ticket(actor=agent)
    fields = [f for f in Ticket._meta.concrete_fields if not f.primary_key]
    copies = []
    for i in range(BACKLOG - 1):
        values = {f.attname: getattr(template, f.attname) for f in fields}
        values["number"] = f"{template.number}-{i:04d}"
        copies.append(Ticket(**values))
    Ticket.objects.bulk_create(copies, batch_size=500)
    return template


def _assert_no_half_written_sweep(version_before):
    """Each ticket swept completely (marks, timeline, audit, version) or not at all."""
    marks = collections.defaultdict(set)
    for ticket_id, *mark in SlaEvent.objects.values_list("ticket_id", "kind", "clock", "level"):
        key = tuple(mark)
        assert key not in marks[ticket_id], "a mark written twice"
        marks[ticket_id].add(key)
    timeline = collections.Counter(
        TicketEvent.objects.filter(kind__in=TIMELINE_KIND.values()).values_list("ticket_id", "kind")
    )
    audits = collections.Counter(
        AuditEvent.objects.filter(action="ticket.sla_marked").values_list("ticket_id", flat=True)
    )
    swept = 0
    for ticket in Ticket.objects.only("id", "version", "escalation_level"):
        got = marks.get(ticket.pk, set())
        if got:
            swept += 1
            assert got == MARKS, ticket.pk
            assert (ticket.version, ticket.escalation_level) == (version_before + 1, 3)
            assert audits[ticket.pk] == 1
            for kind, name in TIMELINE_KIND.items():
                expected = sum(1 for m in MARKS if m[0] == kind)
                assert timeline[(ticket.pk, name)] == expected, (ticket.pk, kind)
        else:
            assert (ticket.version, ticket.escalation_level) == (version_before, 0)
            assert audits[ticket.pk] == 0
            assert not any(timeline[(ticket.pk, name)] for name in TIMELINE_KIND.values())
    return swept


def _assert_each_notified_escalation_has_its_messages_once():
    """Every escalation marked notified has all its rows, once; none has rows without the mark."""
    rows = collections.Counter(
        Notification.objects.filter(dedupe_key__startswith="sla-escalation:").values_list(
            "dedupe_key", "recipient_key", "channel"
        )
    )
    assert not rows or max(rows.values()) == 1, "a message written twice"
    by_event = collections.Counter(key for key, _recipient, _channel in rows)
    notified = dict(SlaEvent.objects.filter(kind="escalation").values_list("pk", "notified_at"))
    channels = {channel for _key, _recipient, channel in rows} or {"email", "inbox"}
    per_level = {1: 2, 2: 1, 3: 1}  # owner + supervisor; supervisor; managers = supervisor
    levels = dict(SlaEvent.objects.filter(kind="escalation").values_list("pk", "level"))
    for pk, notified_at in notified.items():
        count = by_event.get(f"sla-escalation:{pk}", 0)
        if notified_at is None:
            assert count == 0, f"escalation {pk}: messages without the notified mark"
        else:
            assert count == per_level[levels[pk]] * len(channels), pk
    return sum(1 for at in notified.values() if at is not None)


def test_a_sweep_killed_mid_work_and_run_again_marks_and_notifies_everything_once(
    agent, make_user, settings
):
    settings.SLA_MANAGER_EMAILS = []  # level 3 goes to the supervisors
    make_user("supervisor", username="lead", email="lead@example.com")
    agent.email = "owner@example.com"
    agent.save()
    template = _backlog(agent)
    version = template.version
    at = (template.created_at + 100 * H).isoformat()

    # 1. The sweep, in batches of 10, killed once some batches have committed.
    started = time.monotonic()
    sweep = _start("sla_sweep", "--at", at, "--batch-size", "10")
    _kill_when(sweep, lambda: SlaEvent.objects.exists())
    swept = _assert_no_half_written_sweep(version)
    assert 0 < swept < BACKLOG, swept  # killed mid-sweep, not before or after
    killed_after = time.monotonic() - started

    # 2. The next sweep finishes the rest and redoes nothing.
    again = subprocess.run(
        [sys.executable, "manage.py", "sla_sweep", "--at", at, "--batch-size", "50"],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{BACKLOG - swept} tickets looked at" in again.stdout
    assert _assert_no_half_written_sweep(version) == BACKLOG
    assert SlaEvent.objects.count() == BACKLOG * len(MARKS)

    # 3. Queuing the escalations' messages, killed mid-way as well.
    queue_messages = _start(
        "shell", "-c",
        "from tickets.services import sla_notify_pending\n"
        "while sla_notify_pending(limit=20):\n    pass",
    )  # fmt: skip
    _kill_when(
        queue_messages,
        lambda: SlaEvent.objects.filter(kind="escalation", notified_at__isnull=False).exists(),
    )
    notified = _assert_each_notified_escalation_has_its_messages_once()
    assert 0 < notified < BACKLOG * 3, notified

    # 4. The beat's catch-up queues the rest; a second run finds nothing to do.
    while services.sla_notify_pending(limit=500):
        pass
    assert services.sla_notify_pending() == 0
    assert _assert_each_notified_escalation_has_its_messages_once() == BACKLOG * 3
    print(
        f"\nkilled the sweep after {killed_after:.1f} s with {swept}/{BACKLOG} tickets swept; "
        f"killed the queuing with {notified}/{BACKLOG * 3} escalations notified; "
        f"{Notification.objects.count()} messages in the end, each once"
    )


# --- PostgreSQL restarted mid-traffic ---------------------------------------------------------

PG_PORT = 55432
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)


class PrivatePostgres:
    """A throw-away cluster under /tmp on its own port, owned by the ``postgres`` user (initdb
    refuses root), so restarting it touches nobody's server."""

    def __init__(self, root):
        self.data = root / "data"
        self.url = f"postgres://postgres@127.0.0.1:{PG_PORT}/outage"

    def _as_postgres(self, *args, check=True):
        return subprocess.run(
            ["su", "postgres", "-c", " ".join(str(a) for a in args)],
            capture_output=True, text=True, check=check, timeout=150,
        )  # fmt: skip

    def start(self):
        shutil.chown(self.data.parent, user="postgres")
        self._as_postgres(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres")
        self._as_postgres(
            PG_BIN / "pg_ctl", "-D", self.data, "-w", "-l", self.data.parent / "pg.log",
            "-o", f"'-p {PG_PORT} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off'", "start",
        )  # fmt: skip
        self._as_postgres(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", PG_PORT, "outage")

    def restart(self):
        # -l as well: without it the new server's output would hold our pipe open.
        self._as_postgres(
            # -t 120: a fast shutdown's checkpoint can outlast pg_ctl's default 60 s wait
            # on a loaded CI machine; the restart itself is what the test needs, not its speed.
            PG_BIN / "pg_ctl", "-D", self.data, "-w", "-t", "120", "-l",
            self.data.parent / "pg.log", "-m", "fast", "restart",
        )  # fmt: skip

    def stop(self):
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "stop",
                          check=False)  # fmt: skip


@pytest.fixture
def private_postgres():
    if PG_BIN is None or os.geteuid() != 0:
        pytest.fail("the restart test needs PostgreSQL's binaries and root (to su postgres)")
    # Not pytest's tmp_path: its parent is root's, closed to the postgres user.
    root = Path(tempfile.mkdtemp(prefix="aftersales-pg-", dir="/tmp"))
    server = PrivatePostgres(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _driver(url, *args, **kwargs):
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}  # filesystem broker
    env.update(
        DATABASE_URL=url, DB_CONN_MAX_AGE="0", DJANGO_SETTINGS_MODULE="aftersales.settings.test"
    )
    return subprocess.Popen(
        [sys.executable, "-m", "tests.platform.pg_restart_driver", *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs,
    )  # fmt: skip


def test_postgres_restarted_mid_traffic_fails_requests_cleanly_and_writes_nothing_half(
    private_postgres,
):
    env = {**os.environ, "DATABASE_URL": private_postgres.url}
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env,
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    traffic = _driver(private_postgres.url, "run", "12")
    ready = traffic.stdout.readline().strip()
    assert ready == "ready", f"the traffic never started: {ready!r} {traffic.stderr.read()[-3000:]}"
    time.sleep(3)
    private_postgres.restart()
    time.sleep(3)
    private_postgres.restart()
    out, err = traffic.communicate(timeout=60)
    assert traffic.returncode == 0, err[-3000:]
    calls = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    failed = [c for c in calls if "error" in c]
    ok = [c for c in calls if c.get("ok")]
    assert failed, "the restarts did not interrupt any call"
    assert ok

    checker = _driver(private_postgres.url, "check")
    report_out, report_err = checker.communicate(timeout=60)
    assert checker.returncode == 0, report_err[-3000:]
    report = json.loads(report_out.strip().splitlines()[-1])
    assert report["problems"] == []
    # Every call the client saw succeed is in the database.
    recorded = set(report["events"])
    for call in ok:
        if call["op"] in {"triage", "pause", "resume", "cancel"}:
            assert f"{call['ticket']}:{call['op']}" in recorded, call
    print(
        f"\n{len(calls)} calls during two restarts: {len(ok)} ok, {len(failed)} failed cleanly "
        f"({sorted({c['error'] for c in failed})}); {report['tickets']} tickets consistent"
    )
