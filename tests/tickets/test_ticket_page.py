"""The ticket page as a person reads it: words, never stored codes, in English and
Chinese; the next action first; a refused form's message beside it with the input kept;
the communication log; a constant number of queries however long the ticket's history.
Browser walk-throughs (``-m browser``) upload photos and documents, race two pages on
one ticket, and look at the layout at 1280 px and on a phone."""

import datetime
import io
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import TextChoices
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from aftersales.platform.models import Notification
from aftersales.roles import Role
from tests.browser import PHONE, assert_accessible, assert_fits, screenshot, sign_in
from tests.tickets.factories import (
    CustomerFactory,
    ProductFactory,
    TechnicianFactory,
    appointment,
    make_ticket,
)
from tickets import services
from tickets.models import TicketAttachment, TicketEvent

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# A 1×1 transparent PNG, as the signature pad would post it.
SIGNATURE = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
# Action codes stored on timeline events that no TextChoices holds.
EVENT_ACTION_CODES = {
    "notify_customer",
    "sla_warning",
    "sla_breach",
    "sla_escalation",
    "attachment_add",
    "attachment_remove",
}


def _jpeg(size=(900, 600), color=(40, 140, 90)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG")
    return out.getvalue()


def _upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def raw_codes():
    """Every stored code a page could leak: each ``TextChoices`` value with an underscore
    (``on_site``, ``notify_customer``…) in the project, and the timeline's action codes."""
    import audits.choices  # noqa: F401  (every vocabulary loaded)
    import parts.choices  # noqa: F401
    import technicians.choices  # noqa: F401
    import tickets.choices  # noqa: F401

    codes = set(EVENT_ACTION_CODES)
    for choices in _all_subclasses(TextChoices):
        if choices.__module__.split(".")[0] in {
            "aftersales",
            "tickets",
            "technicians",
            "parts",
            "audits",
        }:
            codes |= {str(value) for value in choices.values if "_" in str(value)}
    return codes


class _VisibleText(HTMLParser):
    """The text a person reads: text nodes (not scripts or styles) and the attributes
    shown to people (alt, title, aria-label, placeholder)."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("alt", "title", "aria-label", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html):
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def leaked_codes(text):
    return sorted(
        code for code in raw_codes() if re.search(rf"(?<![\w.-]){re.escape(code)}(?![\w-])", text)
    )


def whole_lifecycle(*, agent, other_agent, supervisor, technician, deliver):
    """A ticket walked through everything the page can show: intake, edits, contacts, a
    pause, SLA warnings, breaches and escalations, triage, owner transfer, dispatch and its
    customer notices (delivered), a reschedule, a visit whose work the customer refuses,
    a second visit, photos and documents (one removed), confirmation and follow-up."""
    customer = CustomerFactory(
        area=technician.areas.first(), name="Chen Jing", email="chen.jing@example.com"
    )
    product = ProductFactory(customer=customer)
    ticket = make_ticket(actor=agent, product=product, description="Water drips from the unit")
    ticket = services.ticket_escalate(ticket=ticket, actor=agent, reason="Second call")
    services.sla_sweep(now=timezone.now() + datetime.timedelta(days=10))
    ticket.refresh_from_db()
    ticket = services.ticket_update(
        ticket=ticket,
        actor=agent,
        description="Water drips from the indoor unit",
        fault_occurred_at=timezone.now() - datetime.timedelta(days=1),
    )
    ticket = services.ticket_contact(ticket=ticket, actor=agent, note="Called back", via="sms")
    ticket = services.ticket_pause(ticket=ticket, actor=agent, reason="Customer away")
    ticket = services.ticket_resume(ticket=ticket, actor=agent, reason="Customer back")
    ticket = services.ticket_triage(
        ticket=ticket,
        actor=agent,
        priority="p2",
        warranty_decision="in_warranty",
        fault_class="user_error",
    )
    ticket = services.ticket_transfer_owner(
        ticket=ticket, actor=agent, owner=other_agent, reason="Shift change"
    )
    start, end = appointment(days=1)
    ticket = services.ticket_dispatch(
        ticket=ticket,
        actor=supervisor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )
    deliver()
    start, end = appointment(days=2)
    ticket = services.ticket_reschedule(
        ticket=ticket,
        actor=supervisor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
        reason="Customer asked",
    )
    deliver()
    ticket = services.ticket_check_in(ticket=ticket, actor=technician.user)
    services.ticket_attachment_add(
        ticket=ticket,
        actor=technician.user,
        file=_upload("IMG_0001.jpg", _jpeg()),
        caption="Blocked drain pipe",
    )
    wrong = services.ticket_attachment_add(
        ticket=ticket, actor=technician.user, file=_upload("IMG_0002.jpg", _jpeg())
    )
    services.ticket_attachment_remove(attachment=wrong, actor=technician.user)
    ticket = services.ticket_complete(
        ticket=ticket,
        actor=technician.user,
        fault_class="mechanical",
        fault_code="E4",
        diagnosis="Drain pipe blocked",
        work_done="Cleared the pipe",
        test_passed=False,
    )
    ticket = services.ticket_confirm(
        ticket=ticket, actor=technician.user, accepted=False, comment="Still dripping"
    )
    start, end = appointment(days=3)
    ticket = services.ticket_dispatch(
        ticket=ticket,
        actor=supervisor,
        technician=technician,
        appointment_start=start,
        appointment_end=end,
    )
    deliver()
    ticket = services.ticket_check_in(ticket=ticket, actor=technician.user)
    ticket = services.ticket_complete(
        ticket=ticket,
        actor=technician.user,
        fault_class="hardware",
        fault_code="E5",
        diagnosis="Cracked drain tray",
        work_done="Tray replaced",
        test_passed=True,
    )
    services.ticket_attachment_add(
        ticket=ticket, actor=agent, file=_upload("service-report.pdf", PDF)
    )
    ticket = services.ticket_confirm(
        ticket=ticket,
        actor=technician.user,
        accepted=True,
        satisfaction=4,
        comment="Dry now",
        signature=SIGNATURE,
    )
    ticket = services.ticket_follow_up(
        ticket=ticket, actor=other_agent, satisfaction=5, via="phone", comment="Happy"
    )
    return ticket


@pytest.fixture
def lifecycle_ticket(
    settings, tmp_path, agent, other_agent, supervisor, technician, deliver_notifications
):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.NOTIFICATION_CHANNELS = {
        **settings.NOTIFICATION_CHANNELS,
        "dispatch_notice": ["email", "sms"],
    }
    return whole_lifecycle(
        agent=agent,
        other_agent=other_agent,
        supervisor=supervisor,
        technician=technician,
        deliver=deliver_notifications,
    )


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def _detail(ticket):
    return reverse("ticket-detail-page", args=[ticket.pk])


# --- Words, not codes ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_lifecycle_ticket_went_through_every_kind_of_event(lifecycle_ticket):
    kinds = set(TicketEvent.objects.filter(ticket=lifecycle_ticket).values_list("kind", flat=True))
    assert kinds >= {
        "created", "transition", "contact", "pause", "resume", "reschedule", "escalation",
        "owner_transfer", "update", "notification", "sla_warning", "sla_breach", "attachment",
    }  # fmt: skip
    actions = set(
        TicketEvent.objects.filter(ticket=lifecycle_ticket).values_list("action", flat=True)
    )
    assert actions >= EVENT_ACTION_CODES - {"sla_escalation"} | {"check_in", "follow_up"}
    assert lifecycle_ticket.status == "followed_up"
    assert Notification.objects.filter(ticket=lifecycle_ticket, channel="sms").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("who", ["agent", "supervisor", "technician", "auditor"])
def test_no_stored_code_shows_on_the_page_of_a_whole_lifecycle(
    login, lifecycle_ticket, agent, supervisor, technician, auditor, language, who
):
    user = {"agent": agent, "supervisor": supervisor, "technician": technician.user,
            "auditor": auditor}[who]  # fmt: skip
    client = login(user)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    html = client.get(_detail(lifecycle_ticket)).content.decode()
    text = visible_text(html)
    assert leaked_codes(text) == []
    if language == "zh-hans":
        for label in ("客户已通知", "客户拒绝验收", "照片已添加", "照片已删除", "文件已添加"):
            assert label in text, label
    else:
        for label in (
            "Customer notified",
            "Customer refused the work",
            "Photo added",
            "Photo removed",
            "Document added",
            "SLA breach",
            "Response deadline",
            "Technician visit notice",
            "User error",
        ):
            assert label in text, label


def test_the_code_check_finds_a_code_where_one_leaks():
    assert leaked_codes("Dispatched · notify_customer · tech1") == ["notify_customer"]
    assert leaked_codes("On site · agent2 · 2026-01-01") == []
    assert "on_site" in raw_codes() and "awaiting_confirmation" in raw_codes()


def test_an_event_of_an_unknown_code_shows_a_word():
    from tickets.models import TicketEvent as Event
    from tickets.presenters import timeline_entries

    (entry,) = timeline_entries(
        [Event(kind="brand_new", action="future_thing", payload={"via": "pigeon_post"})]
    )
    shown = f"{entry.title} {entry.facts}"
    assert "brand_new" not in shown and "future_thing" not in shown
    assert "pigeon_post" not in shown
    assert str(entry.title) == "Other event"


# --- The communication log -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_messages_card_names_kind_channel_status_and_masks_the_address_per_role(
    login, lifecycle_ticket, agent, auditor
):
    desk = visible_text(login(agent).get(_detail(lifecycle_ticket)).content.decode())
    card = desk[desk.index("Messages") :]
    assert "Technician visit notice" in card
    assert "E-mail" in card and "SMS" in card
    assert "chen.jing@example.com" in card
    assert lifecycle_ticket.customer.phone in card
    assert "Sent" in card
    masked = visible_text(login(auditor).get(_detail(lifecycle_ticket)).content.decode())
    card = masked[masked.index("Messages") :]
    assert "chen.jing@example.com" not in card and "c***@example.com" in card
    assert lifecycle_ticket.customer.phone not in card
    assert lifecycle_ticket.customer.masked_phone in card


# --- The next action first, a refused form's message beside it -----------------------------


def _panel_order(html):
    return re.findall(r'<details class="card action-panel[^"]*" id="action-([a-z_]+)"', html)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "who", "first"),
    [
        ("new", "agent", "triage"),
        ("triaged", "supervisor", "dispatch"),
        ("dispatched", "technician", "check_in"),
        ("on_site", "technician", "complete"),
        ("awaiting_confirmation", "technician", "confirm"),
        ("closed", "agent", "follow_up"),
    ],
)
def test_the_next_action_comes_first_with_its_form_open(
    login, ticket_in, agent, supervisor, technician, status, who, first
):
    user = {"agent": agent, "supervisor": supervisor, "technician": technician.user}[who]
    html = login(user).get(_detail(ticket_in(status))).content.decode()
    assert _panel_order(html)[0] == first
    assert f'id="action-{first}" open' in html
    assert len(re.findall(r"action-panel[^>]*\bopen>", html)) == 1
    assert "Next step" in html


@pytest.mark.django_db
def test_a_consultation_the_desk_cannot_dispatch_is_resolved_remotely_first(
    login, ticket_in, agent
):
    ticket = ticket_in("triaged", category="consultation")
    html = login(agent).get(_detail(ticket)).content.decode()
    assert _panel_order(html)[0] == "resolve_remotely"
    assert 'id="action-resolve_remotely" open' in html


@pytest.mark.django_db
def test_a_stale_submit_says_so_beside_its_form_with_the_input_kept(login, ticket_in, agent):
    ticket = ticket_in("new")
    seen = ticket.version
    services.ticket_contact(ticket=ticket, actor=agent, note="Other desk", via="phone")
    client = login(agent)
    url = reverse("ticket-action-page", args=[ticket.pk, "contact"])
    response = client.post(url, {"version": seen, "note": "My notes of the call", "via": "email"})
    assert response.status_code == 409
    html = response.content.decode()
    assert _panel_order(html)[0] == "contact"
    panel = html[
        html.index('id="action-contact"') : html.index(
            "</details>", html.index('id="action-contact"')
        )
    ]
    assert "Someone else changed this ticket while you had it open" in panel
    assert 'role="alert"' in panel
    assert re.search(r">\s*My notes of the call</textarea>", panel)
    assert re.search(
        r'value="email"[^>]*checked|selected[^>]*value="email"|value="email" selected', panel
    )
    assert '<a href="#action-contact">' in html  # the banner at the top points at it
    ticket.refresh_from_db()
    assert f'name="version" value="{ticket.version}"' in panel
    resubmit = client.post(url, {"version": ticket.version, "note": "My notes", "via": "email"})
    assert resubmit.status_code == 302


# --- Queries -------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _add_history(ticket, *, agent, n):
    for i in range(n):
        services.ticket_attachment_add(
            ticket=ticket,
            actor=agent,
            file=_upload(f"p{i}.jpg", _jpeg(size=(40, 30))) if i % 2 else _upload(f"d{i}.pdf", PDF),
        )
        ticket = services.ticket_contact(ticket=ticket, actor=agent, note=f"Call {i}", via="sms")
        Notification.objects.create(
            kind="dispatch_notice",
            channel=["sms", "email", "inbox"][i % 3],
            status=["sent", "pending", "failed", "no_recipient"][i % 4],
            recipient_key=f"customer:{ticket.customer_id}",
            recipient_name=ticket.customer.name,
            customer=ticket.customer,
            address=ticket.customer.phone if i % 3 == 0 else "c@example.com",
            language="en",
            ticket=ticket,
            attempts=i % 3,
        )
    return ticket


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["agent", "technician"])
def test_the_page_runs_the_same_queries_for_1_and_20_attachments_events_and_messages(
    login, ticket_in, agent, technician, settings, tmp_path, who
):
    settings.MEDIA_ROOT = str(tmp_path)
    few = _add_history(ticket_in("on_site"), agent=agent, n=1)
    many = _add_history(ticket_in("on_site"), agent=agent, n=20)
    assert TicketAttachment.objects.filter(ticket=many).count() == 20
    client = login(agent if who == "agent" else technician.user)
    assert _queries(client, _detail(few)) == _queries(client, _detail(many))


# --- In the browser ------------------------------------------------------------------------


def _column_gaps(page):
    return page.evaluate(
        """() => {
            const column = sel => [...document.querySelectorAll(sel)]
                .filter(e => e.offsetParent !== null)
                .map(e => e.getBoundingClientRect())
                .sort((a, b) => a.top - b.top);
            const gaps = rects => rects.slice(1).map((r, i) => Math.round(r.top - rects[i].bottom));
            return {
                main: gaps(column(".ticket-layout > .card")),
                side: gaps(column(".ticket-side > .card, .ticket-side > .actions")),
            };
        }"""
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_desk_uploads_a_photo_and_a_pdf_and_sees_the_thumbnail_and_link(
    open_page, make_user, settings, tmp_path, locale
):
    settings.MEDIA_ROOT = str(tmp_path)
    make_user(Role.AGENT, username="desk")
    ticket = make_ticket(actor=make_user(Role.AGENT, username="desk2"))
    photo, pdf = tmp_path / "leak.jpg", tmp_path / "quote.pdf"
    photo.write_bytes(_jpeg(size=(1600, 1200)))
    pdf.write_bytes(PDF + b"%" * 3000)
    page = open_page(locale=locale, viewport={"width": 1280, "height": 800})
    sign_in(page, "desk", "pw-desk")
    page.goto(_detail(ticket))
    page.set_input_files("#id_attachment_file", str(photo))
    page.fill("#id_attachment_caption", "Leak under the unit")
    page.click(".upload-form button[type=submit]")
    page.locator(".thumb img").scroll_into_view_if_needed()
    width = page.eval_on_selector(".thumb img", "img => img.decode().then(() => img.naturalWidth)")
    assert width == 480
    assert "Leak under the unit" in page.inner_text("#attachments")
    page.set_input_files("#id_attachment_file", str(pdf))
    page.click(".upload-form button[type=submit]")
    page.wait_for_selector(".document-link")
    link = page.inner_text("#attachments .documents")
    assert "quote.pdf" in link and ("KB" in link)
    with page.expect_download() as download:
        page.click(".document-link")
    assert download.value.suggested_filename == "quote.pdf"
    assert [a.kind for a in TicketAttachment.objects.order_by("id")] == ["photo", "document"]
    assert_fits(page, 1280)
    assert_accessible(page)
    screenshot(page, f"aftersales-desk-attachments-{locale}.png")
    page.set_viewport_size(PHONE)
    page.reload()
    assert_fits(page, 360)
    screenshot(page, f"aftersales-phone-attachments-{locale}.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scripts", ["on", "off"])
def test_an_oversize_file_is_refused_with_a_clear_message_in_the_browser(
    open_page, make_user, settings, tmp_path, scripts
):
    """With scripts the page refuses it before it travels; without, the server drops it
    while it streams and says the same beside the field."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "ticket_attachment": 100 * 1024}
    desk = make_user(Role.AGENT, username="desk")
    ticket = make_ticket(actor=desk)
    big = tmp_path / "scan.pdf"
    big.write_bytes(PDF + b"%" * 300 * 1024)
    page = open_page(
        viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=scripts == "on"
    )
    # By hand: without scripts the language form's "Switch" button is the page's first.
    page.goto("/login/")
    page.fill("#id_username", "desk")
    page.fill("#id_password", "pw-desk")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.goto(_detail(ticket))
    page.fill("#id_attachment_caption", "Warranty card")
    page.set_input_files("#id_attachment_file", str(big))
    page.click(".upload-form button[type=submit]")
    page.wait_for_selector("#attachments .error")
    message = page.inner_text("#attachments .error")
    assert "larger than 100 KB" in message and "nothing was uploaded" in message
    assert page.input_value("#id_attachment_caption") == "Warranty card"
    assert not TicketAttachment.objects.exists()
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.*"))
    assert_fits(page, 360)
    if scripts == "on":
        assert_accessible(page)  # axe runs as a script
        small = tmp_path / "small.pdf"
        small.write_bytes(PDF)
        page.set_input_files("#id_attachment_file", str(small))
        assert page.locator("#attachments .error").count() == 0
        page.click(".upload-form button[type=submit]")
        page.wait_for_selector(".document-link")
        assert TicketAttachment.objects.get().caption == "Warranty card"
    screenshot(page, f"aftersales-phone-upload-refused-scripts-{scripts}.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_technician_takes_a_photo_on_the_job_from_a_phone(open_page, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    desk = make_user(Role.AGENT, username="desk")
    boss = make_user(Role.SUPERVISOR, username="boss")
    tech = TechnicianFactory(user__username="field", full_name="Zhao Gang")
    product = ProductFactory(customer__area=tech.areas.first())
    ticket = services.ticket_triage(
        ticket=make_ticket(actor=desk, product=product, description="Drain blocked"),
        actor=desk,
        priority="p2",
        warranty_decision="in_warranty",
    )
    start, end = appointment(days=1)
    services.ticket_dispatch(
        ticket=ticket, actor=boss, technician=tech, appointment_start=start, appointment_end=end
    )
    shot = tmp_path / "camera.jpg"
    shot.write_bytes(_jpeg(size=(3000, 4000)))
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, "field", "pw")
    page.goto(_detail(ticket))
    # Phone order: the customer, the fault, then the actions.
    tops = page.evaluate(
        """() => ["#h-customer", "#h-request", "#h-actions", "#h-attachments"]
            .map(s => document.querySelector(s).getBoundingClientRect().top)"""
    )
    assert tops == sorted(tops)
    assert page.get_attribute("#id_attachment_file", "capture") == "environment"
    page.set_input_files("#id_attachment_file", str(shot))
    page.click(".upload-form button[type=submit]")
    page.wait_for_selector(".thumb img")
    assert TicketAttachment.objects.get().uploaded_by == tech.user
    assert_fits(page, 360)
    assert_accessible(page)
    screenshot(page, "aftersales-phone-technician-photo.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_two_pages_on_one_ticket_the_second_submit_keeps_its_input_and_can_resubmit(
    open_page, make_user
):
    desk = make_user(Role.AGENT, username="desk")
    make_user(Role.AGENT, username="other")
    ticket = make_ticket(actor=desk, description="Noisy fan")
    mine = open_page(viewport={"width": 1280, "height": 800})
    sign_in(mine, "desk", "pw-desk")
    mine.goto(_detail(ticket))
    theirs = open_page(viewport={"width": 1280, "height": 800})
    sign_in(theirs, "other", "pw-other")
    theirs.goto(_detail(ticket))

    # They log a call first; my page still holds the version it was opened at.
    theirs.click("#action-contact summary")
    theirs.fill("#id_contact_note", "Customer called again")
    theirs.click("#action-contact button[type=submit]")
    theirs.wait_for_selector(".messages")

    mine.select_option("#id_triage_priority", "p1")
    mine.select_option("#id_triage_warranty_decision", "in_warranty")
    mine.fill("#id_triage_note", "VIP: call before visiting")
    mine.click("#action-triage button[type=submit]")
    mine.wait_for_selector("#action-triage .inline-error")
    assert "Someone else changed this ticket" in mine.inner_text("#action-triage .inline-error")
    assert mine.input_value("#id_triage_priority") == "p1"
    assert mine.input_value("#id_triage_warranty_decision") == "in_warranty"
    assert mine.input_value("#id_triage_note") == "VIP: call before visiting"
    assert mine.eval_on_selector("#action-triage", "panel => panel.open")
    assert_accessible(mine)
    screenshot(mine, "aftersales-desk-stale-version.png")
    ticket.refresh_from_db()
    assert ticket.status == "new"

    mine.click("#action-triage button[type=submit]")
    mine.wait_for_selector(".messages")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("triaged", "p1")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_lifecycle_page_reads_in_words_and_fits_at_1280_and_on_a_phone(
    open_page, make_user, settings, tmp_path, deliver_notifications, language
):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.NOTIFICATION_CHANNELS = {
        **settings.NOTIFICATION_CHANNELS,
        "dispatch_notice": ["email", "sms"],
    }
    agent = make_user(Role.AGENT, username="desk")
    other = make_user(Role.AGENT, username="desk2")
    boss = make_user(Role.SUPERVISOR, username="boss")
    tech = TechnicianFactory(user__username="field", full_name="Zhao Gang")
    ticket = whole_lifecycle(
        agent=agent,
        other_agent=other,
        supervisor=boss,
        technician=tech,
        deliver=deliver_notifications,
    )
    page = open_page(viewport={"width": 1280, "height": 800})
    sign_in(page, "desk", "pw-desk")
    if language != "en":
        page.select_option("select[name=language]", language)
        page.wait_for_selector(f"html[lang={language}]")
    page.goto(_detail(ticket))
    assert leaked_codes(page.inner_text("body")) == []
    gaps = _column_gaps(page)
    assert gaps["main"] and max(gaps["main"]) <= 16, gaps
    assert gaps["side"] and max(gaps["side"]) <= 16, gaps
    assert_fits(page, 1280)
    assert_accessible(page)
    screenshot(page, f"aftersales-desk-lifecycle-{language}.png")

    page.set_viewport_size(PHONE)
    page.reload()
    assert leaked_codes(page.inner_text("body")) == []
    assert_fits(page, 360)
    assert_accessible(page)
    screenshot(page, f"aftersales-phone-lifecycle-{language}.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_open_dispatch_form_opens_no_gap_between_the_cards_at_1280(open_page, make_user):
    desk = make_user(Role.AGENT, username="desk")
    make_user(Role.SUPERVISOR, username="boss")
    tech = TechnicianFactory(full_name="Zhao Gang")
    product = ProductFactory(customer__area=tech.areas.first())
    ticket = services.ticket_triage(
        ticket=make_ticket(actor=desk, product=product),
        actor=desk,
        priority="p2",
        warranty_decision="in_warranty",
    )
    page = open_page(viewport={"width": 1280, "height": 800})
    sign_in(page, "boss", "pw-boss")
    page.goto(_detail(ticket))
    assert page.eval_on_selector("#action-dispatch", "panel => panel.open")
    gaps = _column_gaps(page)
    assert max(gaps["main"]) <= 16 and max(gaps["side"]) <= 16, gaps
    assert_accessible(page)
    screenshot(page, "aftersales-desk-dispatch-open.png")
