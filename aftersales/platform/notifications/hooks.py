"""What an upper floor wants done when one of its notifications has been delivered.

The platform may not import the apps above it; they pass a function down instead
(``tickets`` records "customer notified" on the ticket's timeline). The function runs in
the short transaction that records the delivery, in a savepoint of its own: if it fails
the delivery is still recorded (and logged), so a message is never sent twice for it.
"""

_ON_SENT = {}


def on_sent(kind):
    """Decorator: call ``fn(notification)`` once ``kind`` has been delivered on a channel."""

    def register(fn):
        _ON_SENT.setdefault(kind, []).append(fn)
        return fn

    return register


def on_sent_hooks(kind):
    return list(_ON_SENT.get(kind, ()))
