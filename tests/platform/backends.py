"""Mail backends for the notification tests."""

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection

SENT_IN_TRANSACTION = []


class NoTransactionBackend(LocmemBackend):
    """The locmem backend, recording any message sent while the sending thread's database
    connection is inside a transaction (which must never happen)."""

    def send_messages(self, messages):
        if connection.in_atomic_block:
            SENT_IN_TRANSACTION.extend(messages)
        return super().send_messages(messages)


class FailingBackend(LocmemBackend):
    """An SMTP server that is down."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server down")
