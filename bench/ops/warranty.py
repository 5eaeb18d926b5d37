"""The warranty decision per ticket (issue 17 item 1): ``ticket_coverage`` for a sample of
tickets with a registered unit — the unit's terms per scope, its earlier repairs (the
days under repair), its active contracts with the visits they covered, then the pure
decision. A constant number of queries whatever the history's size (the ticket with its
unit, model and triage record; terms; earlier repairs; contracts).

Set-up: when the database has no warranty term at all, every product model gets the
common 三包 table (unit 12 months, labour 12, compressor 60; a few rows per model) so
the decision has terms to read; nothing else is written."""

from bench.harness import Operation, operation
from tickets.models import ProductModel, Ticket
from tickets.warranty.coverage import ticket_coverage
from tickets.warranty.models import WarrantyPartGroup, WarrantyTerm


def _ensure_terms():
    if WarrantyTerm.objects.exists():
        return
    group, _ = WarrantyPartGroup.objects.get_or_create(
        code="compressor", defaults={"name": "Compressor"}
    )
    rows = []
    for model_id in ProductModel.objects.values_list("id", flat=True):
        rows += [
            WarrantyTerm(product_model_id=model_id, scope="unit", months=12),
            WarrantyTerm(product_model_id=model_id, scope="labour", months=12),
            WarrantyTerm(
                product_model_id=model_id, scope="part_group", part_group=group, months=60
            ),
        ]
    WarrantyTerm.objects.bulk_create(rows, ignore_conflicts=True)


@operation
def warranty_decision(ctx):
    _ensure_terms()
    ids = list(
        Ticket.objects.filter(pk__in=ctx.ticket_ids, product__isnull=False).values_list(
            "id", flat=True
        )
    )
    if not ids:
        raise SystemExit("No ticket with a registered unit: run `make bench-data`.")

    def run(i):
        ticket = Ticket.objects.select_related("product__model", "warranty_record").get(
            pk=ctx.pick(ids, i)
        )
        cover = ticket_coverage(ticket)
        assert cover.reasons
        return cover

    return Operation(
        name="warranty decision per ticket (terms, repair days, contracts)",
        run=run,
        iterations=200,
    )
