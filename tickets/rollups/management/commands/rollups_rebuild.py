"""``manage.py rollups_rebuild [--from DAY] [--to DAY]``: recompute the KPI rollups."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from aftersales.dates import day_in_range
from tickets.models import Ticket
from tickets.rollups.services import kpi_rollups_rebuild, supported


def _day(value):
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a day (YYYY-MM-DD): {value!r}") from exc
    if not day_in_range(day):
        raise CommandError(f"Day out of range: {value}")
    return day


class Command(BaseCommand):
    help = (
        "Recompute the daily KPI rollups of the local days --from … --to (default: from the "
        "first day of the first ticket's month to today): the backfill after installing, or a full "
        "recomputation. One transaction per month; readers see old or new days."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", type=_day, help="First day (YYYY-MM-DD).")
        parser.add_argument("--to", dest="last", type=_day, help="Last day (YYYY-MM-DD).")

    def handle(self, *args, first=None, last=None, **options):
        if not supported():
            raise CommandError("The KPI rollups need PostgreSQL; the report reads live here.")
        today = timezone.localdate()
        last = last or today
        if first is None:
            oldest = Ticket.objects.order_by("created_at").values_list("created_at", flat=True)
            oldest = oldest.first()
            # From the first of its month, so that month is whole (a monthly row).
            first = (timezone.localdate(oldest) if oldest else today).replace(day=1)
        if first > last:
            raise CommandError(f"--from {first} is after --to {last}.")
        started = timezone.now()
        written = kpi_rollups_rebuild(first=first, last=last)
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(f"Rolled up {written} days ({first} … {last}) in {seconds:.1f} s.")
