"""Reading an e-mail for the intake (tickets/inbound.py): pure functions, no database."""

import pytest

from tickets.inbound import html_text, ignore_reason, mail_read, ticket_number_in


@pytest.mark.parametrize(
    ("subject", "number"),
    [
        ("Re: [AS-2026-000123] Fridge", "AS-2026-000123"),
        ("回复：as-2026-000042 冰箱", "AS-2026-000042"),
        ("Fwd: ticket AS-2026-0001234", None),  # seven digits: not a number of ours
        ("XAS-2026-000123", None),
        ("Order 2026-000123", None),
        ("", None),
    ],
)
def test_ticket_number_in_finds_only_whole_numbers_of_ours(subject, number):
    assert ticket_number_in(subject, prefix="AS") == number


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ({"auto-submitted": ("no",)}, "a@example.com", ""),
        ({"auto-submitted": ("auto-generated",)}, "a@example.com", "auto_reply"),
        ({"precedence": ("auto_reply",)}, "a@example.com", "auto_reply"),
        ({"precedence": ("first-class",)}, "a@example.com", ""),
        ({"list-id": ("<news.example.com>",)}, "a@example.com", "bulk"),
        ({}, "mailer-daemon@example.com", "bounce"),
        ({}, "", "no_sender"),
    ],
)
def test_ignore_reason_follows_the_headers_conventions(headers, sender, reason):
    assert ignore_reason(headers, sender) == reason


def test_html_text_keeps_the_words_and_drops_markup_scripts_and_styles():
    html = "<div>Hello&amp;welcome</div><style>x{}</style><ul><li>one</li><li>two</li></ul>"
    assert html_text(html) == "Hello&welcome\n\none\n\ntwo"


def test_a_message_without_message_id_gets_a_stable_one_from_its_bytes():
    raw = b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n"
    first, second = mail_read(raw), mail_read(raw)
    assert first.message_id == second.message_id
    assert first.message_id.endswith("@aftersales.invalid>")
    assert mail_read(raw + b"more").message_id != first.message_id


def test_an_invalid_sender_address_is_no_sender():
    mail = mail_read(b"From: not an address\r\nSubject: hi\r\n\r\nbody\r\n")
    assert (mail.sender, mail.ignore_reason) == ("", "no_sender")


def test_references_list_the_newest_first():
    raw = (
        b"From: a@example.com\r\nIn-Reply-To: <c@x>\r\nReferences: <a@x> <b@x> <c@x>\r\n"
        b"Subject: Re: hi\r\n\r\nbody\r\n"
    )
    assert mail_read(raw).references == ("<c@x>", "<b@x>", "<a@x>")


def test_a_missing_dovecot_fails_the_run_in_ci_and_skips_elsewhere(monkeypatch, tmp_path):
    from tests.dovecot import require_dovecot

    missing = str(tmp_path / "no-dovecot")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install dovecot-imapd"):
        require_dovecot(missing)
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        require_dovecot(missing)
