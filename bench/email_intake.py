"""Benchmark: e-mail intake of 1,000 messages from a real Dovecot (README "E-mail intake").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench \\
      DJANGO_SETTINGS_MODULE=aftersales.settings.bench .venv/bin/python -m bench.email_intake

Starts Debian's Dovecot on 127.0.0.1 (tests/dovecot.py, an unprivileged process, a
throw-away Maildir), sets up one mailbox, and appends ``--messages`` messages: of every
20, 16 new requests from a pool of ``--senders`` addresses (so many senders write more
than once and are matched, not registered again), 1 with a PNG photo attached, 1 reply
naming a ticket of its sender, 1 auto-reply and 1 bounce. Then one timed
``mailbox_poll`` takes them all (IMAP fetch, parse, one transaction per message, the
move to the processed folder) and a second poll must find nothing. Refuses a database
whose name lacks "bench"; the rows it adds stay (like ``make bench``'s).
"""

import argparse
import io
import os
import resource
import sys
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import django


def _png():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (20, 120, 60)).save(out, format="PNG")
    return out.getvalue()


def _message(n, *, sender, subject, body, headers=(), attachment=None):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "service@example.test"
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(idstring=f"bench{n}", domain="example.com")
    for name, value in headers:
        message[name] = value
    message.set_content(body)
    if attachment:
        message.add_attachment(attachment, maintype="image", subtype="png", filename="fault.png")
    return message.as_bytes()


def _messages(count, senders, numbers):
    """The ``count`` messages to deliver; ``numbers`` maps a sender to a ticket of theirs."""
    photo, out = _png(), []
    for n in range(count):
        sender = f"customer{n % senders}@example.com"
        slot = n % 20
        if slot == 17 and sender in numbers:
            out.append(
                _message(n, sender=sender, subject=f"Re: [{numbers[sender]}]", body="Any news?")
            )
        elif slot == 18:
            out.append(
                _message(
                    n,
                    sender=sender,
                    subject="Automatic reply: out of office",
                    body="I am away until Monday.",
                    headers=[("Auto-Submitted", "auto-replied")],
                )
            )
        elif slot == 19:
            out.append(
                _message(
                    n,
                    sender="MAILER-DAEMON@mx.example.com",
                    subject="Undelivered Mail Returned to Sender",
                    body="The mail system could not deliver your message.",
                )
            )
        else:
            out.append(
                _message(
                    n,
                    sender=f"客户 {n % senders} <{sender}>",
                    subject=f"冰箱不制冷 / fridge not cooling #{n}",
                    body="The fridge stopped cooling yesterday. 冰箱昨天开始不制冷。\n" * 5,
                    attachment=photo if slot == 16 else None,
                )
            )
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=400)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.bench")
    django.setup()
    import shutil
    import tempfile

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    from tests.dovecot import start_dovecot
    from tickets import services
    from tickets.models import Customer, InboundEmail, Mailbox, Ticket

    if "bench" not in connection.settings_dict["NAME"]:
        sys.exit("refusing: DATABASE_URL must name a database with 'bench' in its name")
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="aftersales-bench-media-")
    root = tempfile.mkdtemp(prefix="aftersales-dovecot-")
    os.chmod(root, 0o755)
    server = start_dovecot(root)
    try:
        account = server.account()
        owner, _ = get_user_model().objects.get_or_create(username="bench-mail-owner")
        owner.groups.add(Group.objects.get_or_create(name="agent")[0])
        mailbox = services.mailbox_create(
            actor=None,
            name=f"bench {account.username} {time.time():.0f}",
            host="127.0.0.1",
            port=server.port,
            security="none",
            username=account.username,
            password=account.password,
            owner=owner,
        )
        senders = args.senders
        # Not timed: one ticket per sender of a reply, so that replies have a number to name.
        reply_senders = {f"customer{n % senders}@example.com" for n in range(17, args.messages, 20)}
        with account.client() as client:
            for sender in sorted(reply_senders):
                client.append(_message(0, sender=sender, subject="First", body="x"), "INBOX")
        services.mailbox_poll(mailbox=mailbox, limit=len(reply_senders) + 1)
        numbers = {
            r.sender: r.ticket.number
            for r in InboundEmail.objects.filter(mailbox=mailbox).select_related("ticket")
        }
        before_tickets = Ticket.objects.count()

        messages = _messages(args.messages, senders, numbers)
        started = time.perf_counter()
        with account.client() as client:
            for raw in messages:
                client.append(raw, "INBOX")
        appended = time.perf_counter() - started

        started, cpu = time.perf_counter(), time.process_time()
        result = services.mailbox_poll(mailbox=mailbox, limit=args.messages)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        again = services.mailbox_poll(mailbox=Mailbox.objects.get(pk=mailbox.pk))
        left = len(account.messages("INBOX"))
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)

    print(f"appended {len(messages)} messages over IMAP in {appended:.1f} s (not counted)")
    print(
        f"poll: {result.fetched} fetched, {result.created} tickets, {result.replies} replies, "
        f"{result.ignored} ignored, {result.failed} failed, error={result.error!r}"
    )
    print(
        f"tickets added: {Ticket.objects.count() - before_tickets}, "
        f"customers in the database: {Customer.objects.count()}"
    )
    print(
        f"intake of {result.fetched} messages: {elapsed:.1f} s, "
        f"{result.fetched / elapsed:.0f} messages/s, {1000 * elapsed / result.fetched:.1f} ms each"
    )
    print(f"  of which this process's CPU: {cpu:.1f} s (the rest: PostgreSQL, Dovecot, waits)")
    print(f"second poll fetched {again.fetched}; inbox left with {left} messages")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")
    ok = result.fetched == args.messages and not result.failed and not again.fetched and not left
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
