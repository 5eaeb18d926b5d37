"""``manage.py pii_rewrap``: re-wrap every customer key with the current master key."""

from django.core.management.base import BaseCommand
from django.db import transaction

from audits.personal import personal_rewrap


class Command(BaseCommand):
    help = (
        "Master-key rotation (README, 'Personal data'): with the new key first in "
        "PII_MASTER_KEY and the old one after it, wrap every personal-data key with the new "
        "one; the old key can then be dropped."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            count = personal_rewrap()
        self.stdout.write(self.style.SUCCESS(f"Re-wrapped {count} personal-data keys."))
