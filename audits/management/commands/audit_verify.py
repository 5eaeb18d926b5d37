"""``manage.py audit_verify [--seal] [--incremental] [--record] [--checkpoint-file F]
[--export-checkpoint F] [--reanchor]``: check the audit trail's hash chain end to end
(or from the last verified position), and against its anchor."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audits.anchor import (
    checkpoint_append,
    checkpoint_as_dict,
    checkpoint_latest,
    checkpoint_parse,
)
from audits.chain import audit_reanchor, audit_seal, audit_verify
from audits.choices import AuditSource
from audits.context import audit_context
from audits.exceptions import AuditChainBroken
from audits.services import audit_verification_record


class Command(BaseCommand):
    help = (
        "Verify the hash chain of the audit trail and its signed checkpoints; report the "
        "first broken link (a row altered or deleted by hand), a truncated or rewritten "
        "tail, a checkpoint whose signature does not verify, events altered before "
        "sealing. Exit status 1 when anything is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seal", action="store_true", help="Seal the pending events first (as beat does)."
        )
        parser.add_argument(
            "--incremental",
            action="store_true",
            help="Verify only the events sealed since the last clean verification (its "
            "recorded position and hash), and record this one as the next start. A row "
            "altered before that position is found by the full mode only.",
        )
        parser.add_argument(
            "--record",
            action="store_true",
            help="Record the verdict in the trail (as beat does), so that the next "
            "--incremental run starts from this one's head. Implied by --incremental.",
        )
        parser.add_argument(
            "--checkpoint-file",
            action="append",
            default=[],
            metavar="PATH",
            help="Also verify against the last checkpoint in PATH (an AUDIT_CHECKPOINT_FILE "
            "copy, an exported checkpoint or shipped log lines); repeatable.",
        )
        parser.add_argument(
            "--export-checkpoint",
            metavar="PATH",
            help="After a clean verification, append the latest checkpoint to PATH as a "
            "JSON line ('-': print it) to keep off-box.",
        )
        parser.add_argument(
            "--reanchor",
            action="store_true",
            help="After an incident: write a checkpoint at the current head (the chain's "
            "links must verify) so that sealing resumes; older checkpoints stay.",
        )

    def handle(self, *args, **options):
        exported = [(path, self._read_checkpoint(path)) for path in options["checkpoint_file"]]
        if options["reanchor"]:
            try:
                checkpoint = audit_reanchor()
            except AuditChainBroken as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(
                self.style.WARNING(
                    f"Re-anchored the audit chain at seal_seq={checkpoint.seal_seq}."
                )
            )
        if options["seal"]:
            with audit_context(source=AuditSource.COMMAND):
                try:
                    sealed = audit_seal()
                except AuditChainBroken as exc:
                    self.stderr.write(exc.message)
                    sealed = 0
            self.stdout.write(f"Sealed {sealed} pending events.")
        incremental = options["incremental"]
        report = audit_verify(checkpoints=exported, incremental=incremental)
        if incremental or options["record"]:
            with audit_context(source=AuditSource.COMMAND):
                audit_verification_record(report=report)
        if not report["ok"]:
            raise CommandError(" ".join(_problems(report)))
        anchors = "; ".join(
            f"checkpoint ({anchor['source']}) at seal_seq={anchor['seal_seq']} matches"
            for anchor in report["anchors"]
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain OK: {report['checked']} events verified"
                f"{_since(report)}, head {report['head']}; "
                f"{report['unsealed']} not sealed yet; {anchors or 'no checkpoint yet'}."
            )
        )
        if report["unsigned"]:
            self.stdout.write(
                f"{report['unsigned']} events were sealed without a row MAC (written before "
                "row MACs or by a bulk loader)."
            )
        if options["export_checkpoint"]:
            self._export(options["export_checkpoint"])

    def _read_checkpoint(self, path):
        try:
            checkpoint = checkpoint_parse(Path(path).read_text())
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"Cannot read a checkpoint from {path}: {exc}") from exc
        if checkpoint is None:
            raise CommandError(f"No checkpoint in {path}.")
        return checkpoint

    def _export(self, path):
        checkpoint = checkpoint_latest()
        if checkpoint is None:
            raise CommandError("No checkpoint to export yet (nothing sealed since the anchor).")
        if path == "-":
            self.stdout.write(json.dumps(checkpoint_as_dict(checkpoint), sort_keys=True))
        else:
            checkpoint_append(path, checkpoint)
            self.stdout.write(f"Checkpoint seal_seq={checkpoint.seal_seq} appended to {path}.")


def _problems(report):
    """One sentence per finding, the chain's own broken link first."""
    if report["broken"]:
        broken = report["broken"]
        return [
            f"Audit chain BROKEN at event id={broken['id']} (seal_seq={broken['seal_seq']}): "
            f"{broken['reason']}. {report['checked']} events before it verified."
        ]
    problems = [
        f"Audit chain BROKEN against the checkpoint of seal_seq={anchor['seal_seq']} "
        f"({_where(anchor)}, written {anchor['created_at']:%Y-%m-%d %H:%M:%S%z}): "
        f"{anchor['reason']}."
        if anchor["seal_seq"] is not None
        else f"Audit chain NOT ANCHORED: {anchor['reason']}."
        for anchor in report["anchors"]
        if not anchor["ok"]
    ]
    if report["altered"]:
        sealed = [str(e["id"]) for e in report["altered"] if e["seal_seq"] is not None]
        pending = [str(e["id"]) for e in report["altered"] if e["seal_seq"] is None]
        if sealed:
            problems.append(
                f"Events altered before they were sealed (sealed flagged): ids {', '.join(sealed)}."
            )
        if pending:
            problems.append(
                f"Unsealed events whose row MAC no longer matches: ids {', '.join(pending)}."
            )
    return problems


def _since(report):
    if report.get("from_seq"):
        return f" after the last verified position (seal_seq {report['from_seq']})"
    return ""


def _where(anchor):
    if anchor["id"] is not None:
        return f"{anchor['source']}, id={anchor['id']}"
    return anchor["source"]
