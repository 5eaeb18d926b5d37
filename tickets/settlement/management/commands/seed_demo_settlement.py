"""``manage.py seed_demo_settlement``: the demo settlement (run by ``make run`` after
``seed_demo``)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from audits.choices import AuditSource
from audits.context import audit_context

from ...demo import seed_demo_settlement


class Command(BaseCommand):
    help = "Create the demo partner outlet and its statements (once) from the signed demo tickets."

    def handle(self, *args, **options):
        with audit_context(source=AuditSource.COMMAND), transaction.atomic():
            statements = seed_demo_settlement()
        for statement in statements:
            self.stdout.write(
                f"Statement {statement.outlet.code} {statement.month:%Y-%m}: "
                f"{statement.get_status_display()}, {statement.job_count} jobs, {statement.total}."
            )
        self.stdout.write("Settlement logins: finance, finance2 (the demo password).")
