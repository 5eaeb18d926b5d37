"""The auditors' quality-audit pages as an auditor's browser asks for them (issue 14, item
5): the audit list, an audit with its sample, a sampled ticket's work page (checklist
beside the record) and the report. No target is given; these measure.

The first run draws one audit over the last 30 days' closed tickets (10 % per technician,
at least one: about 4,000 samples at 1,000,000 tickets) through ``quality_audit_create``,
untimed, and later runs reuse it (its title marks it)."""

import datetime

from django.utils import timezone

from audits.models import QualityAudit
from audits.quality.services import quality_audit_create
from bench.context import signed_in_page
from bench.harness import Operation, operation

TITLE = "bench: last 30 days"


def _ok(response, status=200):
    if response.status_code != status:
        raise AssertionError(f"{response.status_code}: {response.content[:300]!r}")
    return response


def _audit(ctx):
    audit = QualityAudit.objects.filter(title=TITLE).order_by("-id").first()
    if audit is None:
        today = timezone.localdate()
        audit = quality_audit_create(
            actor=ctx.users["auditor"],
            title=TITLE,
            period_start=today - datetime.timedelta(days=30),
            period_end=today - datetime.timedelta(days=1),
            sample_percent=10,
            sample_min=1,
            seed=20261201,
        )
    return audit


@operation
def quality_audit_list(ctx):
    _audit(ctx)
    page = signed_in_page(ctx, "auditor")
    return Operation(
        name="quality audits list (HTML)",
        run=lambda i: _ok(page.get("/quality/audits/")),
    )


@operation
def quality_audit_detail(ctx):
    audit = _audit(ctx)
    page = signed_in_page(ctx, "auditor")
    return Operation(
        name="quality audit with its sample, first page (HTML)",
        run=lambda i: _ok(page.get(f"/quality/audits/{audit.pk}/")),
    )


@operation
def quality_sample_work_page(ctx):
    audit = _audit(ctx)
    sample_ids = list(audit.samples.order_by("id").values_list("id", flat=True)[:500])
    page = signed_in_page(ctx, "auditor")
    return Operation(
        name="sampled ticket's work page (HTML)",
        run=lambda i: _ok(
            page.get(f"/quality/audits/{audit.pk}/samples/{ctx.pick(sample_ids, i)}/")
        ),
        note=f"{audit.samples.count():,} samples",
    )


@operation
def quality_audit_report_page(ctx):
    audit = _audit(ctx)
    page = signed_in_page(ctx, "auditor")
    return Operation(
        name="quality audit report (HTML)",
        run=lambda i: _ok(page.get(f"/quality/audits/{audit.pk}/report/")),
    )
