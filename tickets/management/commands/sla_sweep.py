"""``manage.py sla_sweep [--at ISO-8601] [--batch-size N]``: one SLA sweep (the beat's code)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audits.choices import AuditSource
from audits.context import audit_context
from tickets.services import sla_sweep
from tickets.services.sweep import BATCH_SIZE


class Command(BaseCommand):
    help = "Run one SLA sweep, as of now or of the given instant."

    def add_arguments(self, parser):
        parser.add_argument("--at", help="ISO 8601 instant, e.g. 2026-11-23T09:00:00+08:00")
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE,
            help=f"tickets per transaction (default {BATCH_SIZE})",
        )  # fmt: skip

    def handle(self, *args, **options):
        at = timezone.now()
        if options["at"]:
            at = parse_datetime(options["at"])
            if at is None:
                raise CommandError(f"--at: not an ISO 8601 date and time: {options['at']!r}")
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
        with audit_context(source=AuditSource.COMMAND):
            counts = sla_sweep(now=at, batch_size=max(1, options["batch_size"]))
        self.stdout.write(
            f"SLA sweep as of {at.isoformat()}: {counts['tickets']} tickets looked at, "
            f"{counts['marks']} marks, {counts['escalations']} escalations."
        )
