"""An auditor runs a quality audit in headless Chromium, from the sample to a verified
corrective action: create the audit (the sample is drawn), correct a pre-filled checklist
item beside the ticket's record, open a finding, assign a corrective action; its owner
uploads the evidence and is refused when verifying it themself; another user verifies it.
Every step is read back from the database; English and Chinese; axe-core on each page;
screenshots at 1280×800 (and the list on a phone)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aftersales.roles import Role
from audits.models import AuditSample, CorrectiveAction, Finding, QualityAudit
from tests.browser import PHONE, assert_accessible, assert_fits, screenshot, sign_in
from tests.tickets.factories import TechnicianFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 800}
PDF = b"%PDF-1.4 training attendance list"


def _signature():
    """A customer's signature as the pad stores it: a PNG data URL."""
    import base64
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 80), "white")
    ImageDraw.Draw(image).line([(10, 60), (60, 20), (110, 55), (160, 15), (225, 50)], "black", 3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_an_auditor_runs_a_quality_audit_to_a_verified_corrective_action(
    open_page, make_user, closed_ticket, locale, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    make_user(Role.AUDITOR, username="wang", first_name="Wang", last_name="Fang")
    owner = make_user(Role.SUPERVISOR, username="boss", first_name="Li", last_name="Na")
    alice = TechnicianFactory(full_name="Zhang Wei")
    closed_ticket(
        alice,
        day=5,
        diagnosis="Compressor relay",
        work_done="Replaced the relay",
        confirmation_signature=_signature(),
    )
    closed_ticket(alice, day=6, confirmation_signature="")
    tag = locale
    zh = locale == "zh-CN"

    # 1. Create the audit: the sample is drawn at once.
    page = open_page(viewport=DESK, locale=locale)
    sign_in(page, "wang", "pw-wang")
    page.goto("/quality/audits/")
    assert_accessible(page)
    page.fill("#id_title", "March audit")
    page.fill("#id_period_start", "2026-03-01")
    page.fill("#id_period_end", "2026-03-31")
    page.fill("#id_sample_percent", "100")
    page.fill("#id_seed", "7")
    page.click("#create button[type=submit]")
    page.wait_for_selector("#sample-rows")
    audit = QualityAudit.objects.get()
    assert (audit.seed, audit.sample_percent, audit.samples.count()) == (7, 100, 2)
    assert ("样本" if zh else "Sample") in page.inner_text("#h-sample")
    assert_accessible(page)
    screenshot(page, f"aftersales-quality-audit-{tag}.png")

    # 2. The first sampled ticket: its checklist beside its record; correct one item.
    page.click("#sample-rows tbody tr:first-child th a")
    page.wait_for_selector("#checklist")
    sample = AuditSample.objects.filter(audit=audit).order_by("id").first()
    assert sample.prefilled["fault_code"] is True
    assert page.is_checked("#id_fault_code_0")  # pre-filled "yes"
    assert page.locator("#h-timeline").count() == 1 and page.locator("#h-parts").count() == 1
    page.check("#id_fault_code_1")  # the auditor finds the fault code wrong
    page.check("#id_parts_1")
    page.check("#id_charges_correct_0")
    page.fill("#id_note", "Fault code does not match the diagnosis")
    page.click("#checklist button[name=next][value='0']")
    page.wait_for_selector("#checklist .q-item.is-corrected")
    sample.refresh_from_db()
    assert sample.confirmed_at is not None and sample.checks["fault_code"] is False
    assert sample.checks["parts"] is False and sample.checks["charges_correct"] is True
    assert_accessible(page)
    screenshot(page, f"aftersales-quality-sample-{tag}.png")

    # 3. A finding on this ticket, with its severity.
    page.click("#findings details.q-assign summary")
    page.check("#id_finding_severity_1")  # major
    page.fill("#id_finding_description", "Fault code recorded without diagnosis")
    page.click("#findings details.q-assign button[type=submit]")
    page.wait_for_selector("#findings .q-severity-major")
    finding = Finding.objects.get()
    assert (finding.severity, finding.sample_id, finding.status) == ("major", sample.pk, "open")

    # 4. Assign a corrective action to the supervisor, from the audit page.
    page.goto(f"/quality/audits/{audit.pk}/#findings")
    page.click(f"#finding-{finding.pk} details.q-assign summary")
    page.select_option(f"#id_action_{finding.pk}_owner", str(owner.pk))
    page.fill(f"#id_action_{finding.pk}_description", "Retrain the technician on fault codes")
    due = timezone.localdate() + timedelta(days=7)
    page.fill(f"#id_action_{finding.pk}_due_on", due.isoformat())
    assert_accessible(page)
    screenshot(page, f"aftersales-quality-assign-{tag}.png")
    page.click(f"#finding-{finding.pk} details.q-assign button[type=submit]")
    page.wait_for_selector("#action-status")
    action = CorrectiveAction.objects.get()
    assert (action.owner, action.due_on, action.status) == (owner, due, "open")

    # 5. The owner uploads the evidence, then tries to verify it: refused, with a message.
    boss = open_page(viewport=DESK, locale=locale)
    sign_in(boss, "boss", "pw-boss")
    boss.goto("/quality/audits/")
    boss.click(f"#h-mine ~ ul a[href='/quality/actions/{action.pk}/']")
    boss.wait_for_selector("#id_evidence_evidence")
    boss.set_input_files(
        "#id_evidence_evidence",
        files=[{"name": "attendance.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    boss.fill("#id_evidence_note", "Training held on fault codes")
    boss.click("form[action$='/evidence/'] button[type=submit]")
    boss.wait_for_selector("#id_verify_effective_0")
    action.refresh_from_db()
    assert action.status == "submitted" and action.evidence.name.endswith(".pdf")
    assert action.evidence.read() == PDF
    boss.check("#id_verify_effective_0")
    boss.click("form[action$='/verify/'] button[type=submit]")
    boss.wait_for_selector("#action-error")
    refusal = boss.inner_text("#action-error")
    expected = "不能验证" if zh else "The owner of a corrective action may not verify it."
    assert expected in refusal, refusal
    action.refresh_from_db()
    assert action.status == "submitted" and action.verified_by is None
    assert_accessible(boss)
    screenshot(boss, f"aftersales-quality-action-refused-{tag}.png")

    # 6. The auditor verifies it: the action is verified and the finding closes.
    page.goto(f"/quality/actions/{action.pk}/")
    page.check("#id_verify_effective_0")
    page.fill("#id_verify_note", "Attendance list checked")
    page.click("form[action$='/verify/'] button[type=submit]")
    page.wait_for_selector(".banner.q-verified")
    action.refresh_from_db()
    finding.refresh_from_db()
    assert action.status == "verified" and action.verified_by.username == "wang"
    assert finding.status == "closed"
    assert_accessible(page)
    screenshot(page, f"aftersales-quality-action-verified-{tag}.png")

    # 7. The report: findings by severity and by technician, a chart and its table.
    page.goto(f"/quality/audits/{audit.pk}/report/")
    page.wait_for_selector("figure.chart canvas")
    assert "Zhang Wei" in page.inner_text("#by-technician")
    assert page.is_visible("[data-print]")
    assert_accessible(page)
    screenshot(page, f"aftersales-quality-report-{tag}.png")
    # Printed: no menu, no buttons; the figures as tables.
    page.emulate_media(media="print")
    assert not page.is_visible(".topbar") and not page.is_visible("[data-print]")
    assert page.is_visible("#by-technician") and not page.is_visible("figure.chart")
    screenshot(page, f"aftersales-quality-report-print-{tag}.png")

    # On a phone (an owner may send evidence from one): nothing scrolls sideways.
    phone = open_page(viewport=PHONE, locale=locale, is_mobile=True, has_touch=True)
    sign_in(phone, "wang", "pw-wang")
    phone.goto("/quality/audits/")
    assert_fits(phone, PHONE["width"])
    screenshot(phone, f"aftersales-quality-list-phone-{tag}.png")
    phone.goto(f"/quality/actions/{action.pk}/")
    assert_fits(phone, PHONE["width"])
    screenshot(phone, f"aftersales-quality-action-phone-{tag}.png")
