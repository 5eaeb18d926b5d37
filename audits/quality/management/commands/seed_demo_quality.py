"""``manage.py seed_demo_quality``: the demo quality audit (run by ``make run`` after
``seed_demo``)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from audits.choices import AuditSource
from audits.context import audit_context

from ...demo import seed_demo_quality


class Command(BaseCommand):
    help = "Create the demo quality audit (once) over the closed demo tickets."

    def handle(self, *args, **options):
        with audit_context(source=AuditSource.COMMAND), transaction.atomic():
            audit = seed_demo_quality()
        if audit is not None:
            self.stdout.write(f"Quality audit “{audit.title}”: {audit.samples.count()} samples.")
