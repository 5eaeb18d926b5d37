"""Corrective-action evidence goes through the upload rule (aftersales.uploads)."""

from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audits.models import CorrectiveAction
from audits.quality import services
from tests.tickets.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 evidence"


@pytest.fixture
def action_url(supervisor, auditor, agent, closed_ticket, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    closed_ticket(TechnicianFactory())
    audit = services.quality_audit_create(
        actor=supervisor, title="t", period_start=date(2026, 3, 1), period_end=date(2026, 3, 31)
    )
    finding = services.finding_open(
        audit=audit,
        sample=audit.samples.first(),
        actor=auditor,
        severity="major",
        description="Work order not signed",
    )
    action = services.corrective_action_create(
        finding=finding,
        actor=supervisor,
        owner=agent,
        description="Refund",
        due_on=date(2026, 4, 1),
    )
    return f"/api/v1/corrective-actions/{action.pk}/"


def test_disguised_evidence_is_refused(agent_client, action_url):
    response = agent_client.post(
        action_url + "evidence/",
        {"evidence": SimpleUploadedFile("refund.pdf", b"<html><script></script></html>")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "20 MB" in str(response.data["evidence"])
    assert CorrectiveAction.objects.get().status == "open"


def test_new_evidence_replaces_the_old_file_after_commit(
    agent_client, action_url, django_capture_on_commit_callbacks
):
    first = agent_client.post(
        action_url + "evidence/",
        {"evidence": SimpleUploadedFile("a.pdf", PDF), "note": "done"},
        format="multipart",
    )
    assert first.status_code == 200, first.data
    old = Path(CorrectiveAction.objects.get().evidence.path)
    with django_capture_on_commit_callbacks(execute=True):
        second = agent_client.post(
            action_url + "evidence/",
            {"evidence": SimpleUploadedFile("b.pdf", PDF), "note": "done again"},
            format="multipart",
        )
    assert second.status_code == 200, second.data
    assert not old.exists()
    assert Path(CorrectiveAction.objects.get().evidence.path).exists()
