"""``manage.py seed_demo_costs``: the costs app's demo (called by ``seed_demo``)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from audits.choices import AuditSource
from audits.context import audit_context

from ...demo import seed_demo_costs


class Command(BaseCommand):
    help = "Create (or refresh) the costs demo: finance and manager logins, rates, budgets, claims."

    def handle(self, *args, **options):
        with audit_context(source=AuditSource.COMMAND), transaction.atomic():
            logins = seed_demo_costs()
        if options["verbosity"] == 0:  # seed_demo lists every login itself
            return
        for username, role in logins:
            self.stdout.write(f"  {username:<12} {role}")
