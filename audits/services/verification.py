"""The chain's verifications, kept in the trail itself so the audit-trail page can say
when the chain was last walked end to end and what it found."""

from django.db import transaction

from ..chain import CHAIN_OBJECT_TYPE, VERIFIED
from ..models import AuditEvent
from .trail import audit_record

# How many altered events a verification names (the count is kept whole).
ALTERED_NAMED = 20

# The first broken link's reason, as a stable code (audits.chain words it in English).
_LINK_REASONS = (
    ("missing", "row_deleted"),
    ("prev_hash", "link_mismatch"),
    ("altered", "row_altered"),
)
# An anchor's (checkpoint's) problem, as a stable code.
_ANCHOR_REASONS = (
    ("signature", "checkpoint_forged"),
    ("truncated", "tail_truncated"),
    ("rewritten", "chain_rewritten"),
    ("outside the sealer", "sealed_outside"),
    ("no checkpoint", "not_anchored"),
)


def _code(reason, table):
    for needle, code in table:
        if needle in (reason or ""):
            return code
    return "other"


def audit_verification_record(*, report, actor=None):
    """Record one ``audits.chain.audit_verify`` report as an ``audit.chain_verified`` event.

    Writes one AuditEvent (object ``audits.chain``) whose ``changes`` keep the verdict as
    codes and raw values: ``ok``, ``checked``, ``unsealed``, ``broken`` (the first broken
    link: event id, seal_seq, reason code, and the object that event is about, read now),
    ``anchors`` (each failing checkpoint's id, seal_seq and reason code), ``altered``
    (how many, and the first ``ALTERED_NAMED`` ids), ``unsigned``, and where the walk
    started and ended (``from_seq``, ``head_seq``, ``head``). Emits nothing else.
    """
    broken = report.get("broken")
    if broken:
        about = (
            AuditEvent.objects.filter(pk=broken["id"]).values("object_type", "object_id").first()
        ) or {"object_type": "", "object_id": ""}
        broken = {
            "id": broken["id"],
            "seal_seq": broken["seal_seq"],
            "reason": _code(broken["reason"], _LINK_REASONS),
            **about,
        }
    anchors = [
        {
            "id": anchor["id"],
            "seal_seq": anchor["seal_seq"],
            "source": anchor["source"],
            "reason": _code(anchor["reason"], _ANCHOR_REASONS),
        }
        for anchor in report.get("anchors") or ()
        if not anchor["ok"]
    ]
    altered = report.get("altered") or []
    changes = {
        "ok": bool(report["ok"]),
        "checked": report["checked"],
        "unsealed": report.get("unsealed", 0),
        "broken": broken,
        "anchors": anchors,
        "altered": len(altered),
        "altered_ids": [entry["id"] for entry in altered[:ALTERED_NAMED]],
        "unsigned": report.get("unsigned", 0),
        # Where the walk started and the head it reached: the next incremental
        # verification starts from a clean one's head (audits.chain.verified_position).
        "from_seq": report.get("from_seq", 0),
        "head_seq": report.get("head_seq"),
        "head": report.get("head"),
    }
    with transaction.atomic():
        return audit_record(
            actor=actor,
            action=VERIFIED,
            object_type=CHAIN_OBJECT_TYPE,
            object_id="chain",
            changes=changes,
        )
