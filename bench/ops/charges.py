"""Charges (issue 17, item 2): what a quote costs to price, what the work order's charge
lines cost to read, and the gapless receipt number under its row lock.

- ``charges_quote_price``: one job priced as a quote would price it — the price list in
  force (``price_list_on``: one query plus its prefetches), the job's coverage
  (``ticket_coverage``) and the lines (labour, call-out zone, two parts) — nothing
  written. A bench database without a published list gets one (``bench.pricelist``).
- ``charges_ticket_lines``: ``ticket_charges(ticket)``, the charge lines, total and
  receipts the sign-off, work order and ticket page read (three queries).
- ``charges_receipt_number``: drawing the next receipt number (row lock on the sequence
  row, update, read back) inside a transaction that is rolled back, so no number is used.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from bench.harness import Operation, operation
from bench.pricelist import ensure_price_list
from parts.models import Part
from tickets.charges import lines, pricing, selectors
from tickets.charges.choices import SequenceKind
from tickets.charges.services import charge_number_next
from tickets.models import Ticket
from tickets.warranty.coverage import ticket_coverage


class _Rollback(Exception):
    pass


def _ticket_ids(ctx):
    return ctx.ticket_ids[:500] or list(Ticket.objects.values_list("id", flat=True)[:500])


@operation
def charges_quote_price(ctx):
    ids = _ticket_ids(ctx)
    parts = list(Part.objects.order_by("id")[:2])
    ensure_price_list()

    def run(i):
        ticket = Ticket.objects.select_related("product__model").get(pk=ctx.pick(ids, i))
        price_list = pricing.price_list_on(timezone.localdate())
        coverage = ticket_coverage(ticket)
        km = ticket.travel_km if ticket.travel_km is not None else Decimal(i % 50)
        priced = lines.job_lines(
            ticket=ticket,
            coverage=coverage,
            price_list=price_list,
            km=km,
            parts=[(part, 1, False) for part in parts],
        )
        return lines.total_of(priced)

    return Operation(
        name="charges: price a quote (list in force, coverage, lines)",
        run=run,
        iterations=200,
    )


@operation
def charges_ticket_lines(ctx):
    ids = _ticket_ids(ctx)

    def run(i):
        ticket = Ticket(pk=ctx.pick(ids, i), warranty_decision="out_of_warranty")
        return selectors.ticket_charges(ticket)

    return Operation(
        name="charges: a job's charge lines and receipts (work order, sign-off)",
        run=run,
        iterations=200,
    )


@operation
def charges_receipt_number(ctx):
    def run(i):
        try:
            with transaction.atomic():
                number = charge_number_next(kind=SequenceKind.RECEIPT, year=2099)
                raise _Rollback(number)
        except _Rollback as done:
            return done.args[0]

    return Operation(
        name="charges: next receipt number (row-locked sequence, rolled back)",
        run=run,
        iterations=200,
    )
