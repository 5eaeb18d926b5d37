"""``python -m bench.plans``: EXPLAIN ANALYZE of the queries that matter, as Django sends them.

Run against the bench database (``make plans``); bench/README.md quotes the output.
"""

import os


def _plans():
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.http import QueryDict
    from django.utils import timezone

    from tickets.choices import OPEN_STATUSES
    from tickets.filtersets import TicketFilterSet
    from tickets.models import Customer, Ticket
    from tickets.selectors import ticket_list

    users = get_user_model().objects
    agent = users.filter(groups__name="agent").first()
    technician = users.filter(technician__tickets__isnull=False).first()
    phone = Customer.objects.order_by("pk").values_list("phone", flat=True)[777]

    def listing(user, query):
        filterset = TicketFilterSet(QueryDict(query), queryset=ticket_list(user=user))
        return filterset.qs.order_by("-created_at", "-id")[:51]

    yield "ticket list, newest", listing(agent, "")
    yield "ticket list, status=triaged&priority=p2", listing(agent, "status=triaged&priority=p2")
    yield "ticket list, area+status", listing(agent, "area=area-007&status=dispatched")
    yield "ticket list, search by phone", listing(agent, f"search={phone}")
    yield "ticket list, search by name", listing(agent, "search=Wang Wei")
    yield "ticket list, sla_state=at_risk", listing(agent, "sla_state=at_risk")
    # Queues in every order (issue 19 §2): the open tickets oldest first, newest first,
    # earliest due, each from a partial index over the open tickets (ticket_open_*_id).
    open_query = "&".join(f"status={s}" for s in OPEN_STATUSES)
    for ordering in ("created_at", "-created_at", "response_due_at", "-dispatch_due_at"):
        # As the API's ``?ordering=`` sends it: that column only, 51 rows (cursor pages).
        filterset = TicketFilterSet(QueryDict(open_query), queryset=ticket_list(user=agent))
        yield f"open tickets, ordering={ordering}", filterset.qs.order_by(ordering)[:51]
    yield "ticket list as a technician", listing(technician, "")
    yield "ticket detail", ticket_list(user=agent).filter(pk=500_000)
    yield (
        "dashboard: open backlog (one pass, counts per status)",
        (Ticket.objects.open().values("status").annotate(n=Count("id")).order_by()),
    )
    day_start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    yield "dashboard: closed today", Ticket.objects.filter(closed_at__gte=day_start).values("pk")


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.bench")
    import django

    django.setup()
    from django.db import connection

    for title, queryset in _plans():
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        print(f"### {title}\n\n```\n" + "\n".join(plan) + "\n```\n")


if __name__ == "__main__":
    main()
