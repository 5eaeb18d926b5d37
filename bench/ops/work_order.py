"""The signed work order (派工单, issue 15 item 4): PDF generation time per work order,
as the worker makes it after a confirmation commits — the template rendered in the
customer's language and laid out by WeasyPrint with the CJK font — for closed tickets
in turn. Nothing is stored (``work_order_pdf`` only renders), so the bench database is
left as it was."""

from bench.harness import Operation, operation
from tickets import services
from tickets.models import Ticket


@operation
def work_order(ctx):
    ids = list(
        Ticket.objects.filter(status="closed")
        .order_by("-closed_at")
        .values_list("id", flat=True)[:50]
    )
    if not ids:
        raise SystemExit("No closed ticket: run `make bench-data`.")

    def run(i):
        ticket = Ticket.objects.select_related("customer", "technician", "product__model").get(
            pk=ctx.pick(ids, i)
        )
        raw = services.work_order_pdf(ticket)
        assert raw.startswith(b"%PDF"), raw[:20]
        return raw

    return Operation(
        name="signed work order PDF (render + WeasyPrint, per work order)",
        run=run,
        iterations=20,
    )
