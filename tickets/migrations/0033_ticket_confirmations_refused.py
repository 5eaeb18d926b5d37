"""``Ticket.confirmations_refused``: the refusals counted on the ticket, filled from the
timeline (each rejection is a ``confirm`` event back to ``triaged``); rare, so the
backfill touches few rows and reads the ``ticketevent_rejections`` partial index."""

from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery


def backfill(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    rejections = TicketEvent.objects.filter(action="confirm", to_status="triaged")
    refusals = (
        rejections.filter(ticket_id=OuterRef("pk"))
        .order_by()
        .values("ticket_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    Ticket.objects.filter(pk__in=rejections.values("ticket_id")).update(
        confirmations_refused=Subquery(refusals)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0032_ticket_updated_at_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="confirmations_refused",
            field=models.PositiveSmallIntegerField(db_default=0, default=0, verbose_name="confirmations refused"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
