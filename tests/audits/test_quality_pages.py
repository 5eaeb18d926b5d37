"""The auditors' quality-audit pages (Django client): the list and its create form, an
audit with its sample and findings, a sampled ticket's checklist beside its record, a
corrective action's evidence and verification, the report; refused input comes back
inline with nothing lost; the roles; constant query counts."""

import io
import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftersales.roles import Role
from audits.choices import CHECKLIST_ITEMS
from audits.models import AuditEvent, AuditSample, CorrectiveAction, Finding, QualityAudit
from audits.quality import services
from tests.tickets.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 evidence of the training"
ALL_YES = dict.fromkeys(CHECKLIST_ITEMS, "yes")


@pytest.fixture
def page_client(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def audit(auditor, closed_ticket):
    alice = TechnicianFactory(full_name="Alice")
    closed_ticket(alice, day=5)
    closed_ticket(alice, day=6, fault_code="", confirmation_signature="")
    return services.quality_audit_create(
        actor=auditor,
        title="March",
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        sample_percent=100,
        seed=7,
    )


def _visible(html):
    """The page's text without its tags (attribute values hold codes; the text must not)."""
    return re.sub(r"<[^>]+>", " ", html)


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(queries)


# --- The list and the create form ----------------------------------------------------------


def test_auditor_creates_an_audit_and_lands_on_its_sample(page_client, auditor, closed_ticket):
    closed_ticket(TechnicianFactory(), day=5)
    client = page_client(auditor)
    page = client.get(reverse("quality-audit-list-page"))
    assert page.status_code == 200
    assert "New audit" in page.text and "No audits yet" in page.text
    response = client.post(
        reverse("quality-audit-create-page"),
        {"title": "March", "period_start": "2026-03-01", "period_end": "2026-03-31",
         "sample_percent": "50", "sample_min": "1", "seed": "42"},
    )  # fmt: skip
    audit = QualityAudit.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("quality-audit-detail-page", args=[audit.pk])
    assert (audit.seed, audit.sample_percent, audit.created_by) == (42, 50, auditor)
    assert audit.samples.count() == 1
    detail = client.get(response.url)
    assert "Sample: 1 ticket" in detail.text and "42" in detail.text
    listed = client.get(reverse("quality-audit-list-page"))
    assert "March" in listed.text and "0 / 1" in listed.text


def test_a_bad_period_is_refused_inline_and_the_input_kept(page_client, auditor):
    client = page_client(auditor)
    response = client.post(
        reverse("quality-audit-create-page"),
        {"title": "Backwards", "period_start": "2026-03-10", "period_end": "2026-03-01",
         "sample_percent": "10", "sample_min": "1"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "The period ends before it starts." in response.text
    assert 'value="Backwards"' in response.text
    response = client.post(
        reverse("quality-audit-create-page"),
        {"title": "Too much", "period_start": "2026-03-01", "period_end": "2026-03-10",
         "sample_percent": "500", "sample_min": "1"},
    )  # fmt: skip
    assert response.status_code == 400 and 'value="Too much"' in response.text
    assert not QualityAudit.objects.exists()


def test_the_pages_are_for_auditors_and_supervisors(page_client, agent, supervisor, audit):
    urls = [
        reverse("quality-audit-list-page"),
        reverse("quality-audit-detail-page", args=[audit.pk]),
        reverse("quality-audit-report-page", args=[audit.pk]),
        reverse("audit-sample-page", args=[audit.pk, audit.samples.first().pk]),
    ]
    client = page_client(agent)
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(reverse("quality-audit-create-page"), {}).status_code == 403
    client = page_client(supervisor)
    for url in urls:
        assert client.get(url).status_code == 200


# --- The sampled ticket's checklist --------------------------------------------------------


def test_the_checklist_is_prefilled_beside_the_record_and_a_correction_is_kept(
    page_client, auditor, audit
):
    sample = audit.samples.order_by("id").first()
    client = page_client(auditor)
    url = reverse("audit-sample-page", args=[audit.pk, sample.pk])
    page = client.get(url)
    assert page.status_code == 200
    text = page.text
    assert "Fault code recorded" in text and "fault_code" not in _visible(text)
    assert "Timeline" in text and "Parts and charges" in text and "Photos and documents" in text
    assert "Customer signature" in text
    # An item the record cannot tell (parts, charges) must be answered.
    confirm = reverse("audit-sample-confirm-page", args=[audit.pk, sample.pk])
    refused = client.post(confirm, {"fault_code": "yes", "signature": "yes", "note": "kept"})
    assert refused.status_code == 400 and "kept" in refused.text
    sample.refresh_from_db()
    assert sample.confirmed_at is None
    answers = {**ALL_YES, "fault_code": "no", "note": "Fault code is a placeholder"}
    response = client.post(confirm, answers)
    assert response.status_code == 302 and response.url == url
    sample.refresh_from_db()
    assert sample.checks["fault_code"] is False and sample.prefilled["fault_code"] is True
    assert sample.confirmed_by == auditor and sample.note == "Fault code is a placeholder"
    assert AuditEvent.objects.filter(action="audit_sample.confirmed").count() == 1
    assert "corrected by the auditor" in client.get(url).text


def test_the_checklist_answers_htmx_with_itself_and_goes_on_to_the_next_ticket(
    page_client, auditor, audit
):
    first, second = audit.samples.order_by("id")
    client = page_client(auditor)
    confirm = reverse("audit-sample-confirm-page", args=[audit.pk, first.pk])
    refused = client.post(confirm, {"fault_code": "yes"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400
    assert refused.text.lstrip().startswith("<section") and "<html" not in refused.text
    answers = ALL_YES
    done = client.post(confirm, {**answers, "next": "1"}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    assert done["HX-Redirect"] == reverse("audit-sample-page", args=[audit.pk, second.pk])


def test_a_closed_audit_refuses_the_checklist_with_a_message(page_client, auditor, audit):
    QualityAudit.objects.filter(pk=audit.pk).update(status="closed")
    sample = audit.samples.first()
    client = page_client(auditor)
    answers = ALL_YES
    response = client.post(
        reverse("audit-sample-confirm-page", args=[audit.pk, sample.pk]), answers
    )
    assert response.status_code == 400 and "The audit is closed." in response.text
    sample.refresh_from_db()
    assert sample.confirmed_at is None


def test_closing_needs_every_sample_confirmed(page_client, auditor, audit):
    client = page_client(auditor)
    response = client.post(reverse("quality-audit-close-page", args=[audit.pk]))
    assert response.status_code == 409 and "Confirm every sample first." in response.text
    AuditSample.objects.filter(audit=audit).update(confirmed_at=timezone.now(), checks={})
    response = client.post(reverse("quality-audit-close-page", args=[audit.pk]))
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.status == "closed"


# --- Findings and corrective actions -------------------------------------------------------


def test_finding_and_corrective_action_from_the_pages(page_client, auditor, supervisor, audit):
    sample = audit.samples.first()
    client = page_client(auditor)
    response = client.post(
        reverse("finding-open-page", args=[audit.pk]),
        {"sample": sample.pk, "severity": "major", "description": "No signature"},
    )
    assert response.status_code == 302
    finding = Finding.objects.get()
    assert (finding.sample, finding.severity, finding.created_by) == (sample, "major", auditor)
    refused = client.post(
        reverse("finding-open-page", args=[audit.pk]), {"severity": "", "description": "x y"}
    )
    assert refused.status_code == 400 and "x y" in refused.text
    url = reverse("corrective-action-create-page", args=[audit.pk, finding.pk])
    past = client.post(
        url, {"owner": supervisor.pk, "description": "Retrain", "due_on": "2020-01-01"}
    )
    assert past.status_code == 400 and "The due date is in the past." in past.text
    assert "Retrain" in past.text
    due = timezone.localdate() + timedelta(days=14)
    response = client.post(
        url, {"owner": supervisor.pk, "description": "Retrain", "due_on": due.isoformat()}
    )
    action = CorrectiveAction.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("corrective-action-page", args=[action.pk])
    assert (action.owner, action.due_on, action.created_by) == (supervisor, due, auditor)
    detail = client.get(reverse("quality-audit-detail-page", args=[audit.pk]))
    assert "Retrain" in detail.text and "Major" in detail.text


@pytest.fixture
def action(audit, auditor, supervisor):
    finding = services.finding_open(
        audit=audit, sample=audit.samples.first(), actor=auditor, severity="critical",
        description="Charged in warranty",
    )  # fmt: skip
    return services.corrective_action_create(
        finding=finding, actor=auditor, owner=supervisor, description="Refund",
        due_on=timezone.localdate() - timedelta(days=2),
    )  # fmt: skip


def test_owner_uploads_evidence_and_the_file_is_served_only_to_those_who_may_see_it(
    page_client, supervisor, auditor, agent, action, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    client = page_client(supervisor)
    page = client.get(reverse("corrective-action-page", args=[action.pk]))
    assert "Submit evidence" in page.text and "Overdue since" in page.text
    url = reverse("corrective-action-evidence-page", args=[action.pk])
    empty = client.post(url, {"note": ""})
    assert empty.status_code == 400 and "Give an evidence file or a note." in empty.text
    disguised = client.post(
        url, {"evidence": SimpleUploadedFile("x.pdf", b"<html></html>"), "note": "kept note"}
    )
    assert disguised.status_code == 400 and "kept note" in disguised.text
    response = client.post(
        url, {"evidence": SimpleUploadedFile("refund.pdf", PDF), "note": "Refunded"}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "submitted" and action.evidence_note == "Refunded"
    assert action.evidence.name.endswith(".pdf")
    file_url = reverse("corrective-action-evidence-download-page", args=[action.pk])
    download = page_client(auditor).get(file_url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert page_client(agent).get(file_url).status_code == 404
    # Someone else than the owner cannot submit.
    other = page_client(auditor).post(url, {"note": "not mine"})
    assert other.status_code == 403 and "Only the owner" in other.text


def test_an_evidence_file_over_the_limit_is_dropped_and_the_note_kept(
    page_client, supervisor, action, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "evidence": 2048}
    response = page_client(supervisor).post(
        reverse("corrective-action-evidence-page", args=[action.pk]),
        {"evidence": SimpleUploadedFile("big.pdf", PDF + b"x" * 4096), "note": "kept note"},
    )
    assert response.status_code == 400
    assert "The file is too large: nothing was uploaded." in response.text
    assert "kept note" in response.text
    action.refresh_from_db()
    assert action.status == "open" and not action.evidence
    assert not list(tmp_path.rglob("*.pdf"))


def test_the_owner_may_not_verify_and_someone_else_does(page_client, supervisor, auditor, action):
    services.corrective_action_submit(action=action, actor=supervisor, note="Refunded")
    url = reverse("corrective-action-verify-page", args=[action.pk])
    owner = page_client(supervisor)
    page = owner.get(reverse("corrective-action-page", args=[action.pk]))
    assert "You own this action" in page.text
    refused = owner.post(url, {"effective": "yes", "note": "mine"})
    assert refused.status_code == 403
    assert "The owner of a corrective action may not verify it." in refused.text
    action.refresh_from_db()
    assert action.status == "submitted"
    verifier = page_client(auditor)
    assert verifier.post(url, {"effective": ""}).status_code == 400
    response = verifier.post(url, {"effective": "yes", "note": "Checked the refund"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "verified" and action.verified_by == auditor
    assert action.finding.status == "closed"
    assert "Verified effective by" in verifier.get(response.url).text


def test_not_effective_sends_the_action_back_to_its_owner(page_client, supervisor, auditor, action):
    services.corrective_action_submit(action=action, actor=supervisor, note="Refunded")
    url = reverse("corrective-action-verify-page", args=[action.pk])
    response = page_client(auditor).post(url, {"effective": "no", "note": "No receipt"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "open" and action.verification_note == "No receipt"
    page = page_client(supervisor).get(reverse("corrective-action-page", args=[action.pk]))
    assert "Sent back by the verifier" in page.text and "No receipt" in page.text


def test_overdue_actions_are_highlighted_on_the_list(page_client, auditor, supervisor, action):
    listed = page_client(supervisor).get(reverse("quality-audit-list-page"))
    assert "Corrective actions assigned to you" in listed.text
    assert listed.text.count("Overdue since") == 2  # mine, and the overdue list
    assert "is-overdue" in listed.text


def test_the_report_shows_findings_by_severity_and_by_technician(
    page_client, auditor, audit, action
):
    page = page_client(auditor).get(reverse("quality-audit-report-page", args=[audit.pk]))
    assert page.status_code == 200
    text = page.text
    assert "Findings by technician" in text and "Alice" in text
    assert "Critical findings" in text and "Refund" in text
    assert 'data-chart="findings-by-technician"' in text
    assert "quality.js" in text and "@media print" not in text


def test_report_figures_count_the_confirmed_answers_over_the_record(auditor, audit):
    from audits.quality.selectors import quality_audit_report

    complete, gaps = audit.samples.order_by("id")
    assert gaps.prefilled["fault_code"] is False and gaps.prefilled["signature"] is False
    report = quality_audit_report(audit=audit)
    assert (report["sampled"], report["confirmed"], report["conforming"]) == (2, 0, 1)
    assert report["failed_items"]["fault_code"] == 1 and report["failed_items"]["parts"] == 0
    # The auditor finds the complete-looking record wrong on its charges.
    services.audit_sample_confirm(
        sample=complete, actor=auditor, checks={"parts": True, "charges_correct": False}
    )
    report = quality_audit_report(audit=audit)
    assert (report["sampled"], report["confirmed"], report["conforming"]) == (2, 1, 0)
    assert report["failed_items"]["charges_correct"] == 1
    assert report["failed_items"]["signature"] == 1 and report["conforming_pct"] == 0.0


# --- Constant query counts -----------------------------------------------------------------


def _grow(audit, auditor, supervisor, closed_ticket, n):
    technician = TechnicianFactory()
    for i in range(n):
        ticket = closed_ticket(technician, day=10 + i % 5)
        sample = AuditSample.objects.create(
            audit=audit, ticket=ticket, technician=technician, prefilled={"fault_code": True}
        )
        finding = services.finding_open(
            audit=audit, sample=sample, actor=auditor, severity="minor", description=f"f{i}"
        )
        services.corrective_action_create(
            finding=finding, actor=auditor, owner=supervisor, description=f"a{i}",
            due_on=date(2026, 4, 1),
        )  # fmt: skip
    QualityAudit.objects.create(
        title=f"other {n}", period_start=date(2026, 3, 1), period_end=date(2026, 3, 2), seed=n,
        created_by=auditor,
    )  # fmt: skip


def test_query_counts_do_not_grow_with_the_data(
    page_client, auditor, supervisor, audit, closed_ticket
):
    client = page_client(auditor)
    sample = audit.samples.order_by("id").first()
    urls = [
        reverse("quality-audit-list-page"),
        reverse("quality-audit-detail-page", args=[audit.pk]),
        reverse("quality-audit-report-page", args=[audit.pk]),
        reverse("audit-sample-page", args=[audit.pk, sample.pk]),
    ]
    _grow(audit, auditor, supervisor, closed_ticket, 2)
    small = [_count_queries(client, url) for url in urls]
    _grow(audit, auditor, supervisor, closed_ticket, 6)
    large = [_count_queries(client, url) for url in urls]
    assert large == small
    owner = page_client(supervisor)
    action_url = reverse("corrective-action-page", args=[CorrectiveAction.objects.first().pk])
    assert _count_queries(owner, action_url) <= 12


def test_no_code_shows_on_the_pages(page_client, auditor, audit, action):
    client = page_client(auditor)
    for url in [
        reverse("quality-audit-detail-page", args=[audit.pk]),
        reverse("corrective-action-page", args=[action.pk]),
    ]:
        words = _visible(client.get(url).text).split()
        for code in ("charges_correct", "sla_met", "fault_code", "critical", "major"):
            assert code not in words, (url, code)


def test_role_check_on_the_owner_choice(make_user):
    from audits.quality.selectors import corrective_action_owner_choices

    make_user(Role.AGENT, username="desk")
    boss = make_user(Role.SUPERVISOR, username="boss", first_name="Li", last_name="Na")
    assert (boss.pk, "Li Na") in corrective_action_owner_choices()
    assert all(name != "desk" for _pk, name in corrective_action_owner_choices())


def test_the_demo_has_an_audit_with_an_overdue_action(settings):
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo_quality", stdout=io.StringIO())
    call_command("seed_demo_quality", stdout=io.StringIO())  # idempotent
    # The service targets' demo evaluates last month in an audit of its own (no sample).
    audit = QualityAudit.objects.get(target_set__isnull=True)
    assert audit.samples.exists() and audit.created_by.username == "auditor"
    action = CorrectiveAction.objects.get(finding__audit=audit)
    assert action.owner.username == "supervisor" and action.due_on < timezone.localdate()
