"""Rebuild the control room's daily figures (TicketDailyStat) from the tickets."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tickets.models import Ticket
from tickets.services import ticket_daily_stats_refresh


class Command(BaseCommand):
    help = (
        "Recompute the daily ticket figures the control room's charts read: the last "
        "--days days (default 90), or every day since the first ticket with --all."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument("--all", action="store_true", help="every day since the first ticket")

    def handle(self, *args, days, all, **options):
        today = timezone.localdate()
        if all:
            oldest = Ticket.objects.order_by("created_at").values_list("created_at", flat=True)
            first_at = oldest.first()
            first = timezone.localdate(first_at) if first_at else today
        else:
            if days < 1:
                raise CommandError("--days must be at least 1")
            first = today - datetime.timedelta(days=days - 1)
        # A month at a time: each run is one short transaction, whatever the range.
        written = 0
        start = first
        while start <= today:
            end = min(start + datetime.timedelta(days=30), today)
            written += ticket_daily_stats_refresh(first=start, last=end)
            start = end + datetime.timedelta(days=1)
        self.stdout.write(f"{written} daily rows from {first} to {today}.")
