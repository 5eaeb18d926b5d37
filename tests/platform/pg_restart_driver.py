"""The traffic of tests/platform/test_faults.py's PostgreSQL restart, in its own process.

``python -m tests.platform.pg_restart_driver run SECONDS`` — ticket intake and transitions
through the services in a loop, one JSON line per call (``ok`` or the error's class);
``… check`` — one JSON report of the database's consistency. DATABASE_URL names the
private cluster's database.
"""

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.test")


def _setup():
    import django

    django.setup()


def run(seconds):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import DatabaseError, connections

    from aftersales.platform.services import webhook_create
    from tickets import services
    from tickets.models import Customer, Ticket

    user_model = get_user_model()
    agent, _ = user_model.objects.get_or_create(username="restart-agent")
    agent.groups.add(Group.objects.get_or_create(name="agent")[0])
    integrator, _ = user_model.objects.get_or_create(username="restart-integrator")
    integrator.groups.add(Group.objects.get_or_create(name="integrator")[0])
    webhook_create(
        actor=integrator, url="http://127.0.0.1:9/hook", secret="restart-secret-123456",
        events=["ticket.created", "ticket.status_changed"],
    )  # fmt: skip
    customer = Customer.objects.create(name="Restart Test", phone="+8613800000000")
    steps = [
        ("triage", lambda t: services.ticket_triage(
            ticket=t, actor=agent, priority="p2")),
        ("pause", lambda t: services.ticket_pause(ticket=t, actor=agent, reason="away")),
        ("resume", lambda t: services.ticket_resume(ticket=t, actor=agent, reason="back")),
        ("cancel", lambda t: services.ticket_cancel(ticket=t, actor=agent, reason="done")),
    ]  # fmt: skip

    def call(op, ticket_id, fn):
        try:
            result = fn()
        except DatabaseError as exc:  # the server went away: a clean failure, reconnect
            print(json.dumps({"op": op, "ticket": ticket_id, "error": type(exc).__name__}))
            connections.close_all()
            time.sleep(0.05)
            return None
        print(json.dumps({"op": op, "ticket": getattr(result, "pk", ticket_id), "ok": True}))
        return result

    # The test restarts the server only once this is read: on a loaded machine the set-up
    # above can take longer than any fixed wait, and it is not what is under test.
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ticket = call("intake", None, lambda: services.ticket_create(
            actor=agent, customer=customer, channel="phone", category="repair",
            description="Not cooling"))  # fmt: skip
        if ticket is None:
            continue
        for op, step in steps:
            fresh = call("load", ticket.pk, lambda pk=ticket.pk: Ticket.objects.get(pk=pk))
            if fresh is None or call(op, ticket.pk, lambda s=step, t=fresh: s(t)) is None:
                break
        sys.stdout.flush()


def check():
    from django.db.models import Count

    from aftersales.platform.models import WebhookDelivery
    from audits.models import AuditEvent
    from tickets.models import Ticket, TicketEvent

    problems = []
    audits = {
        (row["ticket_id"], row["action"]): row["n"]
        for row in AuditEvent.objects.filter(action__startswith="ticket.")
        .values("ticket_id", "action")
        .annotate(n=Count("id"))
    }
    deliveries = {
        (row["payload__ticket"], row["event"]): row["n"]
        for row in WebhookDelivery.objects.values("payload__ticket", "event").annotate(
            n=Count("id")
        )
    }
    tickets = list(Ticket.objects.values("id", "status"))
    for ticket in tickets:
        events = list(
            TicketEvent.objects.filter(ticket_id=ticket["id"])
            .order_by("id")
            .values("action", "from_status", "to_status")
        )
        moves = [e for e in events if e["to_status"] and e["to_status"] != e["from_status"]]
        last = moves[-1]["to_status"] if moves else "new"
        if last != ticket["status"]:
            problems.append(f"ticket {ticket['id']}: status {ticket['status']}, timeline {last}")
        for action in {e["action"] for e in events} - {"", "create"}:
            timeline = sum(1 for e in events if e["action"] == action)
            if audits.get((ticket["id"], f"ticket.{action}"), 0) != timeline:
                problems.append(f"ticket {ticket['id']}: {action} timeline≠audit")
        if deliveries.get((ticket["id"], "ticket.created"), 0) != 1:
            problems.append(f"ticket {ticket['id']}: ticket.created deliveries ≠ 1")
        status_moves = sum(1 for e in moves if e["from_status"])  # not the creation
        if deliveries.get((ticket["id"], "ticket.status_changed"), 0) != status_moves:
            problems.append(f"ticket {ticket['id']}: status_changed deliveries ≠ {status_moves}")
    events = {
        (e["ticket_id"], e["action"]) for e in TicketEvent.objects.values("ticket_id", "action")
    }
    print(json.dumps({"tickets": len(tickets), "problems": problems[:20],
                      "events": sorted(f"{t}:{a}" for t, a in events)}))  # fmt: skip


if __name__ == "__main__":
    _setup()
    if sys.argv[1] == "run":
        run(float(sys.argv[2]))
    else:
        check()
