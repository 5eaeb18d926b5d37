"""``manage.py seed_demo_targets``: the service targets' demo (called by ``seed_demo``)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from audits.choices import AuditSource
from audits.context import audit_context

from ...demo import seed_demo_targets


class Command(BaseCommand):
    help = "Create the service-targets demo: this month's and last month's sets, a submitted one."

    def handle(self, *args, **options):
        with audit_context(source=AuditSource.COMMAND), transaction.atomic():
            created = seed_demo_targets()
        if options["verbosity"]:
            self.stdout.write(f"{len(created)} target sets created.")
