"""Words for the audit trail's stored codes, for the audit-trail pages.

The trail stores codes and raw values (``ticket.dispatch``, ``tickets.ticket``,
``status: ["triaged", "dispatched"]``); a page shows labels: the action in words, the
object's model name, each field's verbose name and a choice's label, all translated.
Codes this module does not know still read sensibly: "<model>: <verb>" for the usual
verbs, else the code with its punctuation softened.
"""

import functools
import json
import re
from datetime import datetime

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from audits.choices import AuditSource
from audits.services import VERIFIED
from parts.choices import MovementKind
from tickets.choices import Action

CHAIN_OBJECT_TYPE = "audits.chain"

# Whole action codes whose words are not "<model>: <verb>".
ACTIONS = {
    "ticket.created": gettext_lazy("Ticket created"),
    "ticket.sla_marked": gettext_lazy("SLA warning or breach marked"),
    "ticket.customer_notified": gettext_lazy("Customer notified"),
    "ticket.attachment_added": gettext_lazy("Attachment added"),
    "ticket.attachment_removed": gettext_lazy("Attachment removed"),
    "customer.pii_read": gettext_lazy("Personal data shown unmasked"),
    "customer.looked_up": gettext_lazy("Customer looked up by phone"),
    "customer.intake_differs": gettext_lazy("Intake gave details that differ from the record"),
    "customer.exported": gettext_lazy("Personal data exported"),
    "customer.erased": gettext_lazy("Personal data erased"),
    "customer.corrected": gettext_lazy("Personal data corrected"),
    "customer.consent_withdrawn": gettext_lazy("Consent withdrawn"),
    "auth.signed_in": gettext_lazy("Signed in"),
    "auth.sign_in_failed": gettext_lazy("Sign-in failed"),
    "auth.second_factor_enrolled": gettext_lazy("Second factor set up"),
    "admin.created": gettext_lazy("Created in the admin"),
    "admin.updated": gettext_lazy("Changed in the admin"),
    "admin.deleted": gettext_lazy("Deleted in the admin"),
    "certification.swept": gettext_lazy("Certificate expiry recorded"),
    "stock.reserved": gettext_lazy("Stock reserved"),
    "stock.released": gettext_lazy("Stock reservation released"),
    "stock.issued": gettext_lazy("Stock issued to a ticket"),
    "stock.below_reorder": gettext_lazy("Stock fell to its reorder point"),
    "stock.recovered_scrapped": gettext_lazy("Removed part scrapped"),
    "product.registered": gettext_lazy("Product registered"),
    "webhook.deactivated": gettext_lazy("Webhook deactivated"),
    "integrator_token.created": gettext_lazy("Integrator token issued"),
    "integrator_token.rotated": gettext_lazy("Integrator token rotated"),
    "integrator_token.revoked": gettext_lazy("Integrator token revoked"),
    "audit_sample.confirmed": gettext_lazy("Audit checklist confirmed"),
    VERIFIED: gettext_lazy("Audit chain verified"),
}
# The last part of a code, for "<model>: <verb>".
VERBS = {
    "created": pgettext_lazy("audit verb", "created"),
    "updated": pgettext_lazy("audit verb", "changed"),
    "deleted": pgettext_lazy("audit verb", "deleted"),
    "recorded": pgettext_lazy("audit verb", "recorded"),
    "revoked": pgettext_lazy("audit verb", "revoked"),
    "cancelled": pgettext_lazy("audit verb", "cancelled"),
    "opened": pgettext_lazy("audit verb", "opened"),
    "closed": pgettext_lazy("audit verb", "closed"),
    "verified": pgettext_lazy("audit verb", "verified"),
    "submitted": pgettext_lazy("audit verb", "submitted"),
    "escalated": pgettext_lazy("audit verb", "escalated"),
    "approved": pgettext_lazy("audit verb", "approved"),
    "confirmed": pgettext_lazy("audit verb", "confirmed"),
}
# Reference data edited through tickets.services.reference: "<model>.<verb>".
REFERENCE = ("area", "product_category", "product_model")
# The codes the search form offers (with the ticket actions and stock movements).
SEARCHABLE = (
    *ACTIONS,
    "technician.created",
    "technician.updated",
    "certification.created",
    "certification.updated",
    "certification.revoked",
    "certification_type.created",
    "certification_type.updated",
    "training.recorded",
    "training.updated",
    "absence.recorded",
    "absence.cancelled",
    "customer.created",
    "customer.updated",
    "part.created",
    "part.updated",
    "stock_location.created",
    "stock_location.updated",
    "stock_count.opened",
    "stock_count.recorded",
    "stock_count.approved",
    "quality_audit.created",
    "quality_audit.closed",
    "finding.opened",
    "finding.closed",
    "corrective_action.created",
    "corrective_action.submitted",
    "corrective_action.verified",
    "corrective_action.escalated",
    "webhook.created",
    *(f"{noun}.{verb}" for noun in REFERENCE for verb in ("created", "updated", "deleted")),
)
# The model each code's first part is about, where its name says it.
PREFIX_TYPES = {
    "ticket": "tickets.ticket",
    "customer": "tickets.customer",
    "product": "tickets.product",
    "technician": "technicians.technician",
    "certification": "technicians.certification",
    "certification_type": "technicians.certificationtype",
    "training": "technicians.trainingrecord",
    "absence": "technicians.absence",
    "part": "parts.part",
    "stock_location": "parts.stocklocation",
    "stock_count": "parts.stockcount",
    "quality_audit": "audits.qualityaudit",
    "finding": "audits.finding",
    "corrective_action": "audits.correctiveaction",
    "audit_sample": "audits.auditsample",
    "webhook": "platform.webhook",
    "auth": "auth.user",
    "area": "tickets.area",
    "product_category": "tickets.productcategory",
    "product_model": "tickets.productmodel",
}


# Keys of ``changes`` that are not fields of the object's model.
EXTRA_FIELDS = {
    "via": gettext_lazy("Signed in through"),
    "reason": gettext_lazy("Reason"),
    "note": gettext_lazy("Note"),
    "kind": gettext_lazy("Kind"),
    "fields": gettext_lazy("Fields"),
    "code": gettext_lazy("Code"),
    "username": gettext_lazy("Username"),
    "url": gettext_lazy("URL"),
    "template": gettext_lazy("Template"),
    "ticket": gettext_lazy("Ticket"),
    "technician": gettext_lazy("Technician"),
    "events": gettext_lazy("Events"),
    "device": gettext_lazy("Device"),
    "backup_codes": gettext_lazy("Backup codes"),
    "format": gettext_lazy("Format"),
    "counted": gettext_lazy("Counted"),
    "available": gettext_lazy("Available"),
    "checks": gettext_lazy("Checks"),
    "prefilled": gettext_lazy("Pre-filled"),
    "audit": gettext_lazy("Audit"),
    "finding": gettext_lazy("Finding"),
    "caption": gettext_lazy("Caption"),
    "part": gettext_lazy("Part"),
}
# The verification's record (audits.services.verification), object "audits.chain".
CHAIN_FIELDS = {
    "ok": gettext_lazy("Intact"),
    "checked": gettext_lazy("Sealed events checked"),
    "unsealed": gettext_lazy("Waiting for the sealer"),
    "broken": gettext_lazy("Broken link"),
    "anchors": gettext_lazy("Checkpoint problems"),
    "altered": gettext_lazy("Altered before sealing"),
    "altered_ids": gettext_lazy("Altered events"),
    "unsigned": gettext_lazy("Sealed without a row MAC"),
}
# The first broken link's reason (audits.services.verification codes).
LINK_REASONS = {
    "row_deleted": gettext_lazy("an event before it was deleted (its sequence number is missing)"),
    "link_mismatch": gettext_lazy("its link to the previous event does not match"),
    "row_altered": gettext_lazy("its content was changed after it was sealed"),
    "other": gettext_lazy("run manage.py audit_verify for the details"),
}
ANCHOR_REASONS = {
    "checkpoint_forged": gettext_lazy("the checkpoint's signature does not verify"),
    "tail_truncated": gettext_lazy("the newest sealed events are missing (truncated tail)"),
    "chain_rewritten": gettext_lazy("the chain was rewritten since the checkpoint"),
    "sealed_outside": gettext_lazy("events were sealed outside the sealer"),
    "not_anchored": gettext_lazy("no checkpoint anchors the sealed events"),
    "other": gettext_lazy("run manage.py audit_verify for the details"),
}
# The safety net's snapshot kinds (pghistory labels).
SNAPSHOT_LABELS = {
    "insert": gettext_lazy("Row inserted"),
    "update": gettext_lazy("Row updated"),
    "delete": gettext_lazy("Row deleted"),
}
_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _model(object_type):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_label(object_type):
    """ "Ticket", "Customer", "Certificate": the model's verbose name."""
    if object_type == CHAIN_OBJECT_TYPE:
        return _("Audit chain")
    model = _model(object_type)
    return capfirst(model._meta.verbose_name) if model else object_type


def action_label(action, object_type=""):
    """An action code in words, in the current language."""
    if action in ACTIONS:
        return str(ACTIONS[action])
    prefix, _dot, verb = action.rpartition(".")
    if prefix == "ticket" and verb in Action.values:
        return Action(verb).label
    if prefix == "stock" and verb in MovementKind.values:
        return _("Stock movement: %(kind)s") % {"kind": MovementKind(verb).label}
    if verb in VERBS:
        noun = object_label(object_type or PREFIX_TYPES.get(prefix, prefix))
        return _("%(object)s %(verb)s") % {"object": noun, "verb": VERBS[verb]}
    return action.replace("_", " ").replace(".", " · ")


@functools.cache
def _action_choices(language):
    """The search form's actions: (code, label), by label, per language (computed once)."""
    codes = set(SEARCHABLE)
    codes |= {f"ticket.{value}" for value in Action.values}
    codes |= {f"stock.{value}" for value in MovementKind.values}
    choices = [(code, action_label(code)) for code in codes]
    return tuple(sorted(choices, key=lambda choice: choice[1]))


def action_choices():
    return _action_choices(get_language())


def object_type_choices():
    return _object_type_choices(get_language())


@functools.cache
def _object_type_choices(language):
    """The search form's object types: every model of our apps and the users."""
    ours = {"tickets", "technicians", "parts", "audits", "platform", "auth"}
    choices = [
        (model._meta.label_lower, str(capfirst(model._meta.verbose_name)))
        for model in apps.get_models()
        if model._meta.app_config.label in ours and not model.__name__.endswith("History")
    ]
    choices.append((CHAIN_OBJECT_TYPE, _("Audit chain")))
    return tuple(sorted(choices, key=lambda choice: choice[1]))


def source_label(source):
    try:
        return AuditSource(source).label
    except ValueError:
        return source


def field_label(object_type, name):
    """A field's verbose name ("Status", "Technician"), else its name in words."""
    if object_type == CHAIN_OBJECT_TYPE and name in CHAIN_FIELDS:
        return str(CHAIN_FIELDS[name])
    model = _model(object_type)
    if model is not None:
        try:
            return capfirst(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            pass
    if name in EXTRA_FIELDS:
        return str(EXTRA_FIELDS[name])
    return capfirst(name.replace("_", " "))


def object_ref(object_type, object_id, ticket_number=None):
    """ "Ticket AS-2026-000123", "Service area 8", "Audit chain": an object in words."""
    if object_type == CHAIN_OBJECT_TYPE:
        return object_label(object_type)
    shown = ticket_number if object_type == "tickets.ticket" and ticket_number else object_id
    return f"{object_label(object_type)} {shown}"


def snapshot_label(label):
    return str(SNAPSHOT_LABELS.get(label, label))


def link_reason(code):
    return str(LINK_REASONS.get(code, LINK_REASONS["other"]))


def anchor_reason(code):
    return str(ANCHOR_REASONS.get(code, ANCHOR_REASONS["other"]))


def _chain_value(name, value):
    if name == "broken" and isinstance(value, dict):
        return _("#%(id)s (sequence %(seq)s), %(object)s: %(reason)s") % {
            "id": value.get("id"),
            "seq": value.get("seal_seq"),
            "object": object_ref(value.get("object_type", ""), value.get("object_id", "")),
            "reason": link_reason(value.get("reason")),
        }
    if name == "anchors" and isinstance(value, list):
        return (
            "; ".join(
                _("sequence %(seq)s: %(reason)s")
                % {"seq": anchor.get("seal_seq"), "reason": anchor_reason(anchor.get("reason"))}
                for anchor in value
            )
            or "—"
        )
    if name == "altered_ids" and isinstance(value, list):
        return ", ".join(f"#{pk}" for pk in value) or "—"
    return None


def _instant(text):
    """An ISO 8601 instant as local time ("2026-12-01 09:30:05"), or None."""
    if not _ISO_INSTANT.match(text):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def value_text(object_type, name, value):
    """A stored value as a person reads it: a choice's label, yes/no, "—" for nothing."""
    if object_type == CHAIN_OBJECT_TYPE and (shown := _chain_value(name, value)) is not None:
        return shown
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    model = _model(object_type)
    if model is not None:
        try:
            choices = dict(model._meta.get_field(name).flatchoices or ())
        except FieldDoesNotExist:
            choices = {}
        if value in choices:
            return str(choices[value])
    if isinstance(value, str) and (instant := _instant(value)):
        return instant
    return str(value)


def is_pairs(changes):
    """Whether ``changes`` maps every field to ``[before, after]`` (an update), rather
    than to plain values (a creation, a read, a verification)."""
    return bool(changes) and all(
        isinstance(value, list) and len(value) == 2 for value in changes.values()
    )


def change_rows(object_type, changes):
    """The before/after rows of one event: label, before, after, changed."""
    if not isinstance(changes, dict):
        return []
    rows = []
    pairs = is_pairs(changes)
    for name, value in changes.items():
        before, after = value if pairs else (None, value)
        rows.append(
            {
                "label": field_label(object_type, name),
                "before": value_text(object_type, name, before) if pairs else "",
                "after": value_text(object_type, name, after),
                # A creation or a read shows its values plainly; an update marks what changed.
                "changed": pairs and before != after,
            }
        )
    return rows
