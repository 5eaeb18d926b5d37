"""The return-visit sampling rule (回访抽样), pure: every complaint, and ``percent`` % of
the rest, picked by a keyed hash of the ticket id under a seed. The same seed over the same
tickets picks the same ones whatever order they come in; another seed picks others."""

import hashlib
import hmac

from tickets.choices import TicketCategory

from .choices import SampleReason

DRAW_RANGE = 10_000  # draws 0–9999: percent in steps of 0.01 %


def sample_draw(ticket_id, seed):
    """The ticket's draw 0–9999 under ``seed``: HMAC-SHA256(seed, id), its first 8 bytes."""
    digest = hmac.new(str(seed).encode(), str(int(ticket_id)).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % DRAW_RANGE


def sample_decide(*, ticket_id, category, percent, seed):
    """``(sampled, reason, draw)`` for one ticket: a complaint is always visited; any other
    ticket when its draw falls below ``percent`` % of the range."""
    draw = sample_draw(ticket_id, seed)
    if category == TicketCategory.COMPLAINT:
        return True, SampleReason.COMPLAINT, draw
    if draw < int(percent) * DRAW_RANGE // 100:
        return True, SampleReason.SAMPLED, draw
    return False, SampleReason.NOT_SAMPLED, draw
