"""`make run` on a fresh machine: its set-up on a new SQLite file, and the incidents'
portable paths (the ORM writes beside the PostgreSQL statements) on that database.

Runs in subprocesses with `make run`'s own settings (``aftersales.settings.local``, no
Redis: the filesystem broker), whatever database the suite itself runs on — so it also
guards the SQLite path under the PostgreSQL CI. Issue 18's ``ArrayField`` broke
``migrate`` there ("near "[]": syntax error") and nothing noticed.
"""

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETUP = ("migrate --noinput", "seed_demo", "seed_demo_quality", "seed_demo_settlement")


def _env(database):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "REDIS_", "CELERY_", "DJANGO_", "PYTEST_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_SETTINGS_MODULE="aftersales.settings.local",
        MEDIA_ROOT=str(database.parent / "media"),
    )
    return env


def _manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A fresh SQLite file set up as `make run` does; the outcome of each command."""
    env = _env(tmp_path_factory.mktemp("make-run") / "aftersales.sqlite3")
    outcomes = []
    for command in SETUP:
        done = _manage(env, *command.split())
        outcomes.append((command, done.returncode, done.stderr[-3000:]))
        if done.returncode:
            break
    return env, outcomes


def test_make_run_sets_up_a_fresh_sqlite_database(site):
    _env, outcomes = site
    for command, code, stderr in outcomes:
        assert code == 0, f"manage.py {command} failed on SQLite:\n{stderr}"
    assert [command for command, _code, _err in outcomes] == list(SETUP)


# Runs inside ``manage.py shell`` on the SQLite file; prints one JSON line of findings.
# The expected values are computed here in plain Python from the rows, independently of
# the service code under test.
CHECKS = r"""
import datetime, json
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from tickets.incidents import services
from tickets.incidents.exceptions import NoticeAlreadySent
from tickets.incidents.models import Incident, IncidentTicket
from tickets.models import Area, Product, ProductModel, Ticket, TicketEvent
from tickets.services.intake import ticket_create

users = get_user_model().objects
supervisor, agent = users.get(username="supervisor"), users.get(username="agent")
found = {"vendor": connection.vendor}
models = list(ProductModel.objects.filter(units__isnull=False).distinct().order_by("pk")[:2])
areas = list(Area.objects.order_by("pk")[:2])
start = timezone.now() - datetime.timedelta(days=365)
model_ids, area_ids = {m.pk for m in models}, {a.pk for a in areas}

def matching():
    return sorted(
        t.pk for t in Ticket.objects.select_related("product")
        if t.product_id and t.product.model_id in model_ids and t.area_id in area_ids
        and t.created_at >= start
    )

incident = services.incident_declare(actor=supervisor, title="SQLite check", grade="general")
services.incident_rule_set(
    incident=incident, actor=supervisor, product_models=models, areas=areas, created_from=start
)
expected = matching()
found["expected"] = len(expected)
# One matching ticket linked by hand then unlinked: the rule must not link it again.
first = Ticket.objects.get(pk=expected[0])
services.incident_ticket_link(incident=incident, actor=supervisor, ticket=first)
services.incident_ticket_unlink(incident=incident, actor=supervisor, ticket=first, reason="no")
found["preview"] = services.incident_rule_preview(
    incident=incident, product_models=models, areas=areas, created_from=start
)
found["linked"] = services.incident_link_by_rule(incident=incident, actor=supervisor)
found["linked_again"] = services.incident_link_by_rule(incident=incident, actor=supervisor)
links = IncidentTicket.objects.filter(incident=incident)
found["rule_links"] = sorted(links.filter(method="rule").values_list("ticket_id", flat=True))
found["rule_events"] = TicketEvent.objects.filter(
    kind="incident", action="linked", payload__incident=incident.pk, payload__method="rule"
).count()

# Link on arrival: the intake's hook after its commit.
inside = Product.objects.filter(model__in=models, customer__area__in=areas).first()
outside = Product.objects.exclude(model__in=models).first()
arrived = {}
for name, product in (("inside", inside), ("outside", outside)):
    ticket = ticket_create(
        actor=agent, customer=product.customer, product=product, channel="phone",
        category="repair", description="SQLite check",
    )
    arrived[name] = list(links.filter(ticket=ticket).values_list("method", flat=True))
found["arrival"] = arrived
found["arrival_events"] = TicketEvent.objects.filter(
    kind="incident", payload__incident=incident.pk, payload__method="arrival"
).count()

# The overdue warnings: each clock once, the list lookups.
later = timezone.now() + datetime.timedelta(days=40)
services.incidents_overdue_warn(now=later)
found["warn_again"] = services.incidents_overdue_warn(now=later)
incident.refresh_from_db()
found["warned"] = incident.warned
found["rule_area_ids"] = incident.rule_area_ids == sorted(area_ids)
mine = Incident.objects.filter(pk=incident.pk)
found["lookups"] = [
    mine.filter(warned__contains=["closure", "response"]).exists(),
    mine.filter(warned__contains=["nope"]).exists(),
    mine.filter(warned__contains=[]).exists(),
    mine.filter(rule_area_ids=sorted(area_ids)).exists(),
    mine.filter(rule_area_ids=[]).exists(),
    Incident.objects.with_rule().filter(pk=incident.pk).exists(),
]

# The notice: once per customer with consent, not erased, of the tickets still linked.
linked = IncidentTicket.objects.filter(incident=incident, unlinked_at__isnull=True)
found["customers"] = len({
    link.ticket.customer_id for link in linked.select_related("ticket__customer")
    if link.ticket.customer.erased_at is None and link.ticket.customer.consent_service
})
notice = services.incident_notice_draft(incident=incident, actor=supervisor, subject="s", body="b")
found["recipients"] = services.incident_notice_send(notice=notice, actor=supervisor).recipients
try:
    services.incident_notice_send(notice=notice, actor=supervisor)
    found["second_send"] = "sent"
except NoticeAlreadySent as exc:
    found["second_send"] = exc.code

# The SLA sweep's portable path (no arrays, no unnest): the due tickets are marked, their
# version bumped and their next check planned past the sweep's instant.
from tickets.models import SlaEvent
from tickets.services import sla_sweep

due = dict(Ticket.objects.filter(next_sla_check_at__lte=later).values_list("pk", "version"))
swept = sla_sweep(now=later)
after = dict(Ticket.objects.filter(pk__in=due).values_list("pk", "version"))
found["sweep"] = [
    swept["tickets"] == len(due) > 0,
    swept["marks"] == SlaEvent.objects.filter(ticket_id__in=due).count() > 0,
    sum(after[pk] > version for pk, version in due.items()) > 0,
    Ticket.objects.filter(next_sla_check_at__lte=later).count(),
]
print("FOUND " + json.dumps(found, default=str))
"""


def test_incident_portable_paths_on_sqlite(site):
    env, outcomes = site
    if any(code for _command, code, _err in outcomes):
        pytest.fail("the SQLite set-up failed (see the test above)")
    done = _manage(env, "shell", "-c", CHECKS)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("FOUND "))
    found = json.loads(line.removeprefix("FOUND "))

    assert found["vendor"] == "sqlite"
    assert found["expected"] >= 2  # the demo data has tickets the rule matches
    assert found["preview"] == found["linked"] == found["expected"] - 1
    assert found["linked_again"] == 0
    assert len(found["rule_links"]) == found["rule_events"] == found["linked"]
    assert found["arrival"] == {"inside": ["arrival"], "outside": []}
    assert found["arrival_events"] == 1
    assert found["warned"] == ["response", "handling", "closure"]
    assert found["warn_again"] == 0
    assert found["rule_area_ids"] is True
    assert found["lookups"] == [True, False, True, True, False, True]
    assert found["customers"] >= 1
    assert found["recipients"] == found["customers"]
    assert found["second_send"] == "notice_already_sent"
    assert found["sweep"] == [True, True, True, 0]


def test_rule_matches_is_the_arrival_rule():
    from types import SimpleNamespace as Rule

    from django.utils import timezone

    from tickets.incidents.services import rule_matches

    now = timezone.now()
    day = timezone.timedelta(days=1)
    rule = Rule(
        rule_model_ids=[3, 5],
        rule_area_ids=[],
        rule_created_from=now - day,
        rule_created_until=now + day,
    )
    assert rule_matches(rule, model_id=5, area_id=None, created_at=now)
    assert not rule_matches(rule, model_id=4, area_id=1, created_at=now)
    assert not rule_matches(rule, model_id=None, area_id=1, created_at=now)
    assert not rule_matches(rule, model_id=3, area_id=1, created_at=now - 2 * day)
    assert not rule_matches(rule, model_id=3, area_id=1, created_at=now + day)  # end excluded
    rule.rule_area_ids = [7]
    assert rule_matches(rule, model_id=3, area_id=7, created_at=now)
    assert not rule_matches(rule, model_id=3, area_id=8, created_at=now)
    assert not rule_matches(rule, model_id=3, area_id=None, created_at=now)
    rule.rule_model_ids = []
    assert not rule_matches(rule, model_id=3, area_id=7, created_at=now)


# The cost report and budget pages on the demo data (they answered 500 on SQLite: their
# statement is PostgreSQL's; tickets.costs.selectors prices each ticket there instead).
COSTS = r"""
import datetime, json
from decimal import Decimal
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from tickets.costs.choices import CostGrouping
from tickets.costs.selectors import budget_vs_actual, cost_report, ticket_cost_of
from tickets.models import Ticket

end = timezone.now() + datetime.timedelta(days=1)
start = end - datetime.timedelta(days=400)
done = Ticket.objects.filter(completed_at__gte=start, completed_at__lt=end)
expected = sum((ticket_cost_of(t).total for t in done), Decimal("0"))
found = {"tickets": done.count(), "expected": str(expected), "totals": {}}
for group_by in CostGrouping:
    report = cost_report(start=start, end=end, group_by=group_by)
    found["totals"][group_by.value] = [report["totals"]["tickets"], str(report["totals"]["total"])]
budget = budget_vs_actual(first=start.date(), last=end.date(), start=start, end=end)
found["budget_rows"] = len(budget["rows"])
manager = get_user_model().objects.filter(groups__name="manager").first()
client = Client()
client.force_login(manager)
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp import DEVICE_ID_SESSION_KEY
device = TOTPDevice.objects.filter(user=manager).first() or TOTPDevice.objects.create(
    user=manager, name="check", confirmed=True)
session = client.session
session[DEVICE_ID_SESSION_KEY] = device.persistent_id
session.save()
found["pages"] = [
    client.get(path, HTTP_HOST="127.0.0.1").status_code for path in ("/costs/", "/costs/budgets/")
]
print("FOUND " + json.dumps(found))
"""


def test_cost_report_and_pages_answer_on_sqlite(site):
    env, outcomes = site
    if any(code for _command, code, _err in outcomes):
        pytest.fail("the SQLite set-up failed (see the first test)")
    done = _manage(env, "shell", "-c", COSTS)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("FOUND "))
    found = json.loads(line.removeprefix("FOUND "))
    assert found["tickets"] > 0  # the demo data has completed jobs
    for group_by, (count, total) in found["totals"].items():
        assert count == found["tickets"], group_by
        assert Decimal(total) == Decimal(found["expected"]), group_by
    assert found["pages"] == [200, 200]
