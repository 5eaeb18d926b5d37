"""``manage.py audit_verify [--seal]``: check the audit trail's hash chain end to end."""

from django.core.management.base import BaseCommand, CommandError

from audits.chain import audit_seal, audit_verify
from audits.choices import AuditSource
from audits.context import audit_context


class Command(BaseCommand):
    help = (
        "Verify the hash chain of the audit trail; report the first broken link "
        "(a row altered or deleted by hand). Exit status 1 when the chain is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seal", action="store_true", help="Seal the pending events first (as beat does)."
        )

    def handle(self, *args, **options):
        if options["seal"]:
            with audit_context(source=AuditSource.COMMAND):
                sealed = audit_seal()
            self.stdout.write(f"Sealed {sealed} pending events.")
        report = audit_verify()
        if not report["ok"]:
            broken = report["broken"]
            raise CommandError(
                f"Audit chain BROKEN at event id={broken['id']} (seal_seq={broken['seal_seq']}): "
                f"{broken['reason']}. {report['checked']} events before it verified."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain OK: {report['checked']} events verified, head {report['head']}; "
                f"{report['unsealed']} not sealed yet."
            )
        )
