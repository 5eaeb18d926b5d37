"""The dispatch board (/dispatch/) as a supervisor's browser asks for it (issue 14: 200
technicians × a week under 300 ms server time at 1,000,000 tickets): the week with its
bookings and absences as the calendar's JSON and the waiting tickets; and the same with
a ticket picked, its 2,000 candidates ranked for the day."""

from django.utils import timezone

from bench.context import signed_in_page
from bench.harness import Operation, operation
from technicians.board import MAX_ROWS
from tickets.choices import TicketStatus
from tickets.models import Ticket


def _ok(response, status=200):
    if response.status_code != status:
        raise AssertionError(f"{response.status_code}: {response.content[:300]!r}")
    return response


@operation
def board_week(ctx):
    client = signed_in_page(ctx, "supervisor")
    day = timezone.localdate().isoformat()
    return Operation(
        name=f"dispatch board, {MAX_ROWS} technicians × a week (HTML)",
        iterations=30,
        note="rows, the week's bookings and absences as JSON, 50 waiting tickets",
        run=lambda i: _ok(client.get("/dispatch/", {"view": "week", "date": day})),
    )


@operation
def board_week_ranked(ctx):
    client = signed_in_page(ctx, "supervisor")
    day = timezone.localdate().isoformat()
    waiting = list(
        Ticket.objects.filter(status=TicketStatus.TRIAGED, technician__isnull=True)
        .order_by("dispatch_due_at")
        .values_list("pk", flat=True)[:20]
    )
    if not waiting:
        raise SystemExit("No triaged ticket waits for a technician: run `make bench-data`.")
    return Operation(
        name="dispatch board, a week with a ticket picked (HTML)",
        iterations=30,
        note="as above + the picked ticket's 2,000 candidates ranked for the day",
        run=lambda i: _ok(
            client.get("/dispatch/", {"view": "week", "date": day, "ticket": ctx.pick(waiting, i)})
        ),
    )
