"""E-mail intake against a real IMAP server (Dovecot, started by tests/dovecot.py): new
tickets, replies threaded to their ticket, attachments, what is ignored, no duplicate
after a crash, processed messages moved or flagged."""

import io
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import pytest
from PIL import Image

from audits.models import AuditEvent
from tests.dovecot import dovecot  # noqa: F401  (the server fixture, by name)
from tickets import services, tasks
from tickets.models import Customer, InboundEmail, Mailbox, Ticket, TicketAttachment, TicketEvent
from tickets.services import email_intake
from tickets.services.email_intake import PROCESSED_KEYWORD

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def png(size=(64, 48)):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def mail(
    subject="Fridge not cooling",
    body="It stopped cooling yesterday evening.",
    sender="Li Wei <li.wei@example.com>",
    html=None,
    headers=(),
    attachments=(),
):
    """The bytes of one message, as an MTA would deliver it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "service@example.test"
    if subject is not None:
        message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="example.com")
    for name, value in headers:
        message[name] = value
    if body is not None:
        message.set_content(body)
        if html:
            message.add_alternative(html, subtype="html")
    elif html:
        message.set_content(html, subtype="html")
    for name, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def intake(dovecot, agent, media):  # noqa: F811
    """A fresh IMAP account and the mailbox record that polls it."""
    account = dovecot.account()
    mailbox = services.mailbox_create(
        actor=None,
        name=account.username,
        host="127.0.0.1",
        port=dovecot.port,
        security="none",
        username=account.username,
        password=account.password,
        folder="INBOX",
        processed_folder="Processed",
        category="repair",
        owner=agent,
    )
    account.mailbox = mailbox
    return account


def poll(account):
    return services.mailbox_poll(mailbox=Mailbox.objects.get(pk=account.mailbox.pk))


# --- New tickets ---------------------------------------------------------------------------


def test_a_new_message_files_an_email_ticket_for_a_new_customer(intake, agent):
    intake.append(mail())

    result = poll(intake)

    assert (result.fetched, result.created, result.failed, result.error) == (1, 1, 0, "")
    ticket = Ticket.objects.get()
    assert ticket.channel == "email"
    assert ticket.category == "repair"
    assert ticket.owner == agent  # the mailbox's owner: first-contact responsibility
    assert ticket.created_by is None  # the system recorded it
    assert ticket.description == "Fridge not cooling\n\nIt stopped cooling yesterday evening."
    customer = ticket.customer
    assert (customer.name, customer.email, customer.phone) == ("Li Wei", "li.wei@example.com", "")
    record = InboundEmail.objects.get()
    assert (record.outcome, record.ticket, record.sender) == ("created", ticket, customer.email)
    assert AuditEvent.objects.filter(action="ticket.created", object_id=str(ticket.pk)).exists()
    assert AuditEvent.objects.filter(action="customer.created").count() == 1


def test_a_known_customer_is_matched_by_address_whatever_its_case(intake, agent):
    known = services.customer_create(
        actor=agent, name="Wang Fang", phone="13800138000", email="Wang.Fang@Example.com"
    )
    intake.append(mail(sender="wang.fang@example.com"))

    poll(intake)

    assert Ticket.objects.get().customer == known
    assert Customer.objects.count() == 1


def test_a_chinese_subject_in_rfc_2047_words_is_decoded(intake):
    raw = mail(subject=None, body=None, html=None, sender="=?utf-8?b?5YiY5rSL?= <liu@example.cn>")
    # A GB2312 encoded word, as many Chinese mail clients send it: 冰箱不制冷
    raw = raw.replace(b"\nDate:", b"\nSubject: =?gb2312?b?sfnP5LK71sbA5A==?=\nDate:", 1)
    intake.append(raw)

    poll(intake)

    ticket = Ticket.objects.get()
    assert ticket.description == "冰箱不制冷"
    assert ticket.customer.name == "刘洋"
    assert ticket.customer.language == "zh-hans"


def test_html_only_mail_becomes_its_text(intake):
    html = (
        "<html><head><style>p{color:red}</style></head><body><p>The washer leaks.</p>"
        "<p>Model&nbsp;WM-100<br>Since Monday</p><script>alert(1)</script></body></html>"
    )
    intake.append(mail(subject="Leak", body=None, html=html))

    poll(intake)

    assert (
        Ticket.objects.get().description
        == "Leak\n\nThe washer leaks.\n\nModel WM-100\nSince Monday"
    )


def test_a_message_without_subject_or_text_still_files_a_ticket(intake):
    intake.append(mail(subject=None, body=None, attachments=[("plate.png", "image/png", png())]))

    poll(intake)

    ticket = Ticket.objects.get()
    assert "li.wei@example.com" in ticket.description
    assert TicketAttachment.objects.filter(ticket=ticket).count() == 1


# --- Replies -------------------------------------------------------------------------------


def test_a_reply_naming_the_ticket_is_added_to_it_as_a_customer_contact(intake, client, agent):
    intake.append(mail())
    poll(intake)
    ticket = Ticket.objects.get()
    version = ticket.version
    intake.append(mail(subject=f"Re: [{ticket.number}] Fridge", body="Still warm today."))

    result = poll(intake)

    assert (result.replies, result.created) == (1, 0)
    assert Ticket.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.version == version  # a contact event, not a change of the ticket
    event = TicketEvent.objects.get(ticket=ticket, action="email_reply")
    assert event.kind == "contact"
    assert event.payload["via"] == "email"
    assert "Still warm today." in event.payload["note"]
    record = InboundEmail.objects.get(outcome="reply")
    assert record.ticket == ticket
    assert AuditEvent.objects.filter(action="ticket.email_received", ticket=ticket).exists()
    # The ticket page's timeline says it in words, with the customer's text.
    client.force_login(agent)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Customer replied by e-mail" in page
    assert "Still warm today." in page
    assert "email_reply" not in page


def test_a_ticket_number_from_another_address_opens_a_ticket_of_its_own(intake):
    intake.append(mail())
    poll(intake)
    theirs = Ticket.objects.get()
    intake.append(mail(subject=f"Re: {theirs.number}", sender="stranger@example.org"))

    poll(intake)

    assert Ticket.objects.count() == 2
    assert not TicketEvent.objects.filter(ticket=theirs, action="email_reply").exists()
    assert InboundEmail.objects.get(sender="stranger@example.org").reason == "other_sender"


# --- Attachments ---------------------------------------------------------------------------


def test_attachments_are_stored_on_the_ticket_and_refusals_recorded(intake, settings):
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "ticket_attachment": 4096}
    intake.append(
        mail(
            attachments=[
                ("fault.png", "image/png", png()),
                ("invoice.pdf", "application/pdf", PDF),
                ("setup.exe", "application/octet-stream", EXE),
                ("manual.pdf", "application/pdf", PDF + b"0" * 5000),
            ]
        )
    )

    poll(intake)

    ticket = Ticket.objects.get()
    stored = TicketAttachment.objects.filter(ticket=ticket).order_by("id")
    assert [(a.original_name, a.kind) for a in stored] == [
        ("fault.png", "photo"),
        ("invoice.pdf", "document"),
    ]
    assert stored[0].file.read()[:8] == b"\x89PNG\r\n\x1a\n"
    refused = InboundEmail.objects.get().refused_attachments
    assert [(r["name"], r["size"]) for r in refused] == [
        ("setup.exe", len(EXE)),
        ("manual.pdf", len(PDF) + 5000),
    ]
    assert "not accepted" in refused[0]["reason"]
    assert "larger than" in refused[1]["reason"]
    # The message itself is kept, with all four, in the processed folder.
    assert [subject for _flags, subject in intake.messages("Processed")] == ["Fridge not cooling"]


# --- Ignored -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ([("Auto-Submitted", "auto-replied")], "li.wei@example.com", "auto_reply"),
        ([("X-Autoreply", "yes")], "li.wei@example.com", "auto_reply"),
        ([("Precedence", "bulk")], "news@example.com", "bulk"),
        ([("Precedence", "list")], "list@example.com", "bulk"),
        ([("Precedence", "junk")], "junk@example.com", "bulk"),
        ([], "MAILER-DAEMON@mx.example.com", "bounce"),
        ([], "postmaster@example.com", "bounce"),
        ([("Return-Path", "<>")], "someone@example.com", "bounce"),
        ([("X-Aftersales-Notification", "3f2a")], "li.wei@example.com", "own_message"),
    ],
)
def test_auto_replies_bounces_and_bulk_never_create_tickets(intake, headers, sender, reason):
    intake.append(mail(subject="Out of office", headers=headers, sender=sender))

    result = poll(intake)

    assert (result.ignored, result.created) == (1, 0)
    assert not Ticket.objects.exists()
    assert not Customer.objects.exists()
    record = InboundEmail.objects.get()
    assert (record.outcome, record.reason) == ("ignored", reason)
    assert AuditEvent.objects.filter(action="email.ignored", object_id=str(record.pk)).exists()
    assert [subject for _flags, subject in intake.messages("Processed")] == ["Out of office"]


def test_a_delivery_status_report_is_a_bounce(intake):
    report = (
        b"From: Mail Delivery System <delivery@mx.example.com>\r\n"
        b"To: service@example.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: <dsn-1@mx.example.com>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n"
        b"--b--\r\n"
    )
    intake.append(report)

    poll(intake)

    assert not Ticket.objects.exists()
    assert InboundEmail.objects.get().reason == "bounce"


# --- Crashes and duplicates ----------------------------------------------------------------


def test_a_crash_after_fetching_and_before_commit_leaves_no_duplicate(intake, monkeypatch):
    intake.append(mail(attachments=[("fault.png", "image/png", png())]))
    real_attach = email_intake._attach

    def crash(**kwargs):
        real_attach(**kwargs)  # the ticket and its photo are written, not yet committed
        raise RuntimeError("worker lost mid-message")

    monkeypatch.setattr(email_intake, "_attach", crash)
    first = poll(intake)

    assert (first.fetched, first.failed, first.created) == (1, 1, 0)
    assert not Ticket.objects.exists()
    assert not InboundEmail.objects.exists()
    assert not TicketAttachment.objects.exists()
    # Still waiting in the inbox, unmarked.
    [(flags, _subject)] = intake.messages("INBOX")
    assert PROCESSED_KEYWORD not in flags

    monkeypatch.setattr(email_intake, "_attach", real_attach)
    second = poll(intake)
    third = poll(intake)

    assert (second.created, third.fetched) == (1, 0)
    assert Ticket.objects.count() == 1
    assert TicketAttachment.objects.count() == 1
    assert InboundEmail.objects.count() == 1


def test_a_crash_after_commit_and_before_marking_does_not_file_it_twice(intake, monkeypatch):
    intake.append(mail())
    real_mark = email_intake._mark

    def lost_connection(client, mailbox, uids):
        raise OSError("connection reset by peer")

    monkeypatch.setattr(email_intake, "_mark", lost_connection)
    first = poll(intake)
    assert first.created == 1
    assert first.error.startswith("OSError")
    assert Mailbox.objects.get(pk=intake.mailbox.pk).last_error == first.error
    assert len(intake.messages("INBOX")) == 1

    monkeypatch.setattr(email_intake, "_mark", real_mark)
    second = poll(intake)

    assert (second.fetched, second.known, second.created, second.error) == (1, 1, 0, "")
    assert Ticket.objects.count() == 1
    assert intake.messages("INBOX") == []
    assert len(intake.messages("Processed")) == 1
    assert Mailbox.objects.get(pk=intake.mailbox.pk).last_error == ""


def test_the_same_message_in_two_mailboxes_files_one_ticket(intake, dovecot, agent):  # noqa: F811
    other = dovecot.account()
    other.mailbox = services.mailbox_create(
        actor=None,
        name=other.username,
        host="127.0.0.1",
        port=dovecot.port,
        security="none",
        username=other.username,
        password=other.password,
        processed_folder="",
        owner=agent,
    )
    raw = mail()
    intake.append(raw)
    other.append(raw)

    poll(intake)
    result = poll(other)

    assert result.known == 1
    assert Ticket.objects.count() == 1


# --- Processed messages --------------------------------------------------------------------


def test_processed_messages_are_moved_to_the_processed_folder(intake):
    intake.append(mail(subject="First"))
    intake.append(mail(subject="Second"))

    poll(intake)

    assert intake.messages("INBOX") == []
    moved = intake.messages("Processed")
    assert sorted(subject for _flags, subject in moved) == ["First", "Second"]
    assert all({PROCESSED_KEYWORD, "\\Seen"} <= flags for flags, _subject in moved)


def test_without_a_processed_folder_messages_are_flagged_and_not_taken_again(intake):
    Mailbox.objects.filter(pk=intake.mailbox.pk).update(processed_folder="")
    intake.append(mail())

    poll(intake)
    again = poll(intake)

    [(flags, _subject)] = intake.messages("INBOX")
    assert {PROCESSED_KEYWORD, "\\Seen"} <= flags
    assert again.fetched == 0
    assert Ticket.objects.count() == 1


def test_a_message_read_by_a_person_in_a_mail_client_is_still_taken(intake):
    intake.append(mail())
    with intake.client() as client:
        client.flag(client.uids(), "\\Seen", True)

    assert poll(intake).created == 1


# --- Mailboxes and the beat task ------------------------------------------------------------


def test_the_beat_task_polls_every_enabled_mailbox_and_skips_disabled_ones(intake, dovecot):  # noqa: F811
    disabled = dovecot.account()
    services.mailbox_create(
        actor=None,
        name=disabled.username,
        host="127.0.0.1",
        port=dovecot.port,
        security="none",
        username=disabled.username,
        password=disabled.password,
        owner=intake.mailbox.owner,
        enabled=False,
    )
    intake.append(mail())
    disabled.append(mail(subject="Not for now"))

    results = tasks.mailboxes_poll_task.apply().get()

    assert [(r["mailbox"], r["created"]) for r in results] == [(intake.username, 1)]
    assert Ticket.objects.count() == 1
    assert len(disabled.messages("INBOX")) == 1


def test_with_no_mailbox_set_up_the_poll_does_nothing(db):
    assert services.mailboxes_poll() == []


def test_beat_polls_the_mailboxes_every_interval(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["email-intake-poll"]
    assert entry["task"] == tasks.mailboxes_poll_task.name
    assert entry["schedule"] == float(settings.EMAIL_INTAKE_INTERVAL_SECONDS)


def test_the_password_may_come_from_the_environment(intake, monkeypatch):
    Mailbox.objects.filter(pk=intake.mailbox.pk).update(
        password_env="TEST_IMAP_PASSWORD", password_encrypted=""
    )
    monkeypatch.setenv("TEST_IMAP_PASSWORD", intake.password)
    intake.append(mail())

    assert poll(intake).created == 1


def test_a_wrong_password_is_recorded_on_the_mailbox_and_loses_nothing(intake, monkeypatch):
    Mailbox.objects.filter(pk=intake.mailbox.pk).update(
        password_env="TEST_IMAP_PASSWORD", password_encrypted=""
    )
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "not-the-password")
    intake.append(mail())

    result = poll(intake)

    assert result.fetched == 0
    assert "MailboxLoginError" in result.error
    mailbox = Mailbox.objects.get(pk=intake.mailbox.pk)
    assert mailbox.last_error == result.error
    assert mailbox.poll_lease_until is None
    assert len(intake.messages("INBOX")) == 1


def test_a_mailbox_another_poll_holds_is_skipped(intake):
    from django.utils import timezone

    Mailbox.objects.filter(pk=intake.mailbox.pk).update(
        poll_lease_until=timezone.now() + timezone.timedelta(minutes=5)
    )
    intake.append(mail())

    assert poll(intake).error == "busy"
    assert not Ticket.objects.exists()


def test_erasing_a_customer_blanks_their_messages_records(intake, supervisor):
    intake.append(mail())
    poll(intake)
    customer = Customer.objects.get()

    services.customer_erase(customer=customer, actor=supervisor, reason="asked")

    record = InboundEmail.objects.get()
    assert (record.sender, record.subject) == ("", "")


@pytest.mark.django_db(transaction=True)
def test_two_workers_taking_the_same_message_at_once_file_one_ticket(agent, media, monkeypatch):
    import threading
    import time

    from django.db import connection

    mailbox = services.mailbox_create(
        actor=None, name="desk", host="127.0.0.1", username="desk@example.test",
        password="x", owner=agent,
    )  # fmt: skip
    raw = mail()
    real_reply_target = email_intake._reply_target

    def slow(mail):  # the first worker is mid-transaction, its Message-ID row written
        time.sleep(0.5)
        return real_reply_target(mail)

    monkeypatch.setattr(email_intake, "_reply_target", slow)
    barrier, results, errors = threading.Barrier(2), [], []

    def worker():
        barrier.wait()
        try:
            results.append(services.inbound_email_receive(mailbox=mailbox, raw=raw))
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(record is None for record in results) == [False, True]
    assert Ticket.objects.count() == 1
    assert InboundEmail.objects.count() == 1
