"""The mailboxes of the e-mail intake, kept by a superuser in the admin.

A mailbox holds credentials, so only a superuser writes one (``actor=None`` is the
system). The password is given in plain text and stored encrypted with the master key
(``audits.personal.master_key``, rotated with it), or not stored at all when the
mailbox names an environment variable to read it from. The audit events name the fields
that changed and never a password.
"""

import os

from cryptography.fernet import InvalidToken
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import ActionForbidden
from aftersales.roles import DESK_ROLES, has_role
from audits.personal import master_key
from audits.services import audit_record, field_values

from ..models import Mailbox

MAILBOX_FIELDS = (
    "name",
    "enabled",
    "host",
    "port",
    "security",
    "username",
    "password_env",
    "folder",
    "processed_folder",
    "category",
    "owner",
)


def _require_superuser(actor):
    if actor is not None and not actor.is_superuser:
        raise ActionForbidden(_("Only a superuser may set up the mailboxes of the e-mail intake."))


def _check(mailbox):
    """Field rules, then: the owner takes calls, and the password has a source."""
    mailbox.full_clean()
    errors = {}
    owner = mailbox.owner
    if not owner.is_active or not has_role(owner, *DESK_ROLES):
        errors["owner"] = [_("Choose an active agent or supervisor to own the new tickets.")]
    if not mailbox.password_env and not mailbox.password_encrypted:
        errors["password_env"] = [
            _("Name the environment variable holding the password, or store a password.")
        ]
    if mailbox.processed_folder and mailbox.processed_folder == mailbox.folder:
        errors["processed_folder"] = [_("The processed folder must differ from the folder.")]
    if errors:
        raise ValidationError(errors)


def _audit(*, actor, action, mailbox, before, password_changed):
    after = field_values(mailbox)
    changes = {
        name: [before.get(name), value]
        for name, value in after.items()
        if name in MAILBOX_FIELDS and before.get(name) != value
    }
    if password_changed:
        changes["password"] = "changed"
    if changes:
        audit_record(actor=actor, action=action, obj=mailbox, changes=changes)


def _store_password(mailbox, password):
    if password:
        mailbox.password_encrypted = master_key().encrypt(password.encode()).decode()
        return True
    return False


@transaction.atomic
def mailbox_create(*, actor, password="", audit_action="mailbox.created", **fields):
    """Add a mailbox (``MAILBOX_FIELDS``; ``password`` stored encrypted when given).

    Preconditions: a superuser (403 ``forbidden``); the fields valid, the owner an active
    agent or supervisor, a password or its environment variable. Writes the mailbox and
    ``mailbox.created`` (the admin: ``admin.created``).
    """
    _require_superuser(actor)
    unknown = set(fields) - set(MAILBOX_FIELDS)
    if unknown:
        raise ValueError(f"not mailbox fields: {sorted(unknown)}")
    mailbox = Mailbox(**fields)
    changed = _store_password(mailbox, password)
    _check(mailbox)
    mailbox.save()
    _audit(actor=actor, action=audit_action, mailbox=mailbox, before={}, password_changed=changed)
    return mailbox


@transaction.atomic
def mailbox_update(
    *, mailbox, actor, password="", clear_password=False, audit_action="mailbox.updated", **fields
):
    """Change a mailbox: any of ``MAILBOX_FIELDS``, a new ``password`` (stored encrypted),
    or ``clear_password`` to forget the stored one (the environment variable is then
    the source). Same preconditions as ``mailbox_create``; writes ``mailbox.updated``
    with the fields that changed (a password only as "changed")."""
    _require_superuser(actor)
    unknown = set(fields) - set(MAILBOX_FIELDS)
    if unknown:
        raise ValueError(f"not mailbox fields: {sorted(unknown)}")
    mailbox = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    before = field_values(mailbox)
    for name, value in fields.items():
        setattr(mailbox, name, value)
    changed = False
    if clear_password and mailbox.password_encrypted:
        mailbox.password_encrypted, changed = "", True
    changed = _store_password(mailbox, password) or changed
    _check(mailbox)
    mailbox.updated_at = timezone.now()
    mailbox.save()
    _audit(
        actor=actor, action=audit_action, mailbox=mailbox, before=before, password_changed=changed
    )
    return mailbox


@transaction.atomic
def mailbox_delete(*, mailbox, actor, audit_action="mailbox.deleted"):
    """Delete a mailbox that never took a message (else disable it: its messages keep
    their record). Writes ``mailbox.deleted``."""
    _require_superuser(actor)
    mailbox = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    if mailbox.messages.exists():
        raise ValidationError(
            _("This mailbox has taken messages; disable it instead of deleting it.")
        )
    audit_record(
        actor=actor,
        action=audit_action,
        obj=mailbox,
        changes={
            name: [value, None]
            for name, value in field_values(mailbox).items()
            if name in MAILBOX_FIELDS
        },
    )
    mailbox.delete()


class MailboxPasswordMissing(Exception):
    """The mailbox's password cannot be had (unset variable, undecryptable token)."""


def mailbox_password(mailbox):
    """The password to sign in to ``mailbox`` with: its environment variable when it
    names one and that is set, else the stored one decrypted."""
    if mailbox.password_env:
        value = os.environ.get(mailbox.password_env)
        if value:
            return value
    if mailbox.password_encrypted:
        try:
            return master_key().decrypt(mailbox.password_encrypted.encode()).decode()
        except InvalidToken as exc:
            raise MailboxPasswordMissing("the stored password does not decrypt") from exc
    raise MailboxPasswordMissing(f"environment variable {mailbox.password_env!r} is not set")
