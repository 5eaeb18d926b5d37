"""Every write of integrator tokens: create, rotate, revoke (supervisors; each audited)
and the cheap last-use mark of the authentication."""

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import ApplicationError
from aftersales.roles import Role, role_require, roles_of, second_factor_required
from audits.services import audit_record

from .models import PREFIX_LENGTH, TOKEN_PREFIX, IntegratorToken, token_digest

# last_used_at is written at most this often per token: a busy integration costs one
# UPDATE a minute, not one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
_UNSET = object()


def _new_key():
    """(prefix, key): 48 random bits of prefix (the lookup key, shown to people) and 256
    of secret. The prefix is hex, so the first "_" after it ends it."""
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    return prefix, f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def parse_key(key):
    """The prefix of a well-formed integrator key, or None."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    prefix, sep, secret = key[len(TOKEN_PREFIX) :].partition("_")
    if not sep or len(prefix) != PREFIX_LENGTH or not secret:
        return None
    return prefix


def token_holder_check(user):
    """Raise ``ValidationError`` unless ``user`` may hold an integrator token: active, in
    the integrator group, and not someone who signs in with a second factor (a token
    skips it, so a supervisor's or an admin's account never gets one)."""
    if not user.is_active or Role.INTEGRATOR not in roles_of(user):
        raise ValidationError({"user": [_("Only an active integrator account holds tokens.")]})
    if second_factor_required(user):
        raise ValidationError(
            {"user": [_("This account signs in with a second factor; a token would skip it.")]}
        )


def _expiry_check(expires_at, now):
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": [_("Choose an expiry in the future.")]})


def _name_clean(name):
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the token a name.")]})
    return name


def _save_with_fresh_key(token, *, name_taken_message=None):
    """Save ``token`` with a new key, drawing again on the (1 in 2^48) prefix collision.
    Returns the key, which exists only in this return value from now on."""
    for _attempt in range(3):
        prefix, key = _new_key()
        token.prefix, token.digest = prefix, token_digest(key)
        try:
            with transaction.atomic():
                token.save()
        except IntegrityError:
            if name_taken_message and _name_taken(token):
                raise ValidationError({"name": [name_taken_message]}) from None
            continue
        return key
    raise ApplicationError(_("Could not draw a new token; try again."), code="token_collision")


def _name_taken(token):
    return (
        IntegratorToken.objects.filter(user=token.user, name=token.name, revoked_at__isnull=True)
        .exclude(pk=token.pk)
        .exists()
    )


def integrator_token_create(*, user, name, expires_at=None, actor):
    """Issue a named token to the integrator ``user`` (supervisors only).

    Refuses (400) a user who may not hold one (``token_holder_check``), an empty name or
    one of the user's tokens in use already, an expiry in the past. Writes the token (the
    prefix and the digest of the key) and ``integrator_token.created``. Returns
    ``(token, key)``: the key is shown once and never again.
    """
    role_require(actor, Role.SUPERVISOR)
    now = timezone.now()
    name = _name_clean(name)
    token_holder_check(user)
    _expiry_check(expires_at, now)
    token = IntegratorToken(
        user=user, name=name, expires_at=expires_at, created_at=now, created_by=actor
    )
    taken = _("This integrator already has a token with this name.")
    with transaction.atomic():
        if _name_taken(token):
            raise ValidationError({"name": [taken]})
        key = _save_with_fresh_key(token, name_taken_message=taken)
        audit_record(
            actor=actor,
            action="integrator_token.created",
            obj=token,
            changes={
                "user": user.pk,
                "name": name,
                "prefix": token.prefix,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    return token, key


def _locked(token):
    return IntegratorToken.objects.select_for_update().select_related("user").get(pk=token.pk)


def integrator_token_rotate(*, token, actor, expires_at=_UNSET):
    """Give ``token`` a new key (supervisors only): the old key stops at once.

    Keeps the name and, unless ``expires_at`` is given, the expiry; refuses (409
    ``token_revoked``) a revoked token, (400) an expiry that is or would stay in the past.
    Writes the new prefix and digest, ``rotated_at`` and ``integrator_token.rotated``.
    Returns ``(token, key)``; the key is shown once.
    """
    role_require(actor, Role.SUPERVISOR)
    now = timezone.now()
    with transaction.atomic():
        token = _locked(token)
        if token.revoked_at is not None:
            raise ApplicationError(_("This token is revoked."), code="token_revoked")
        token_holder_check(token.user)
        before = (token.prefix, token.expires_at)
        if expires_at is not _UNSET:
            token.expires_at = expires_at
        if token.expires_at is not None and token.expires_at <= now:
            raise ValidationError(
                {"expires_at": [_("This token's expiry has passed: choose a new one.")]}
            )
        token.rotated_at = now
        token.last_used_at = None
        key = _save_with_fresh_key(token)
        changes = {"prefix": [before[0], token.prefix]}
        if before[1] != token.expires_at:
            changes["expires_at"] = [
                before[1].isoformat() if before[1] else None,
                token.expires_at.isoformat() if token.expires_at else None,
            ]
        audit_record(actor=actor, action="integrator_token.rotated", obj=token, changes=changes)
    return token, key


def integrator_token_revoke(*, token, actor):
    """Revoke ``token`` (supervisors only): it is refused from the next request on.

    Refuses (409 ``token_revoked``) a token revoked already. Writes ``revoked_at``,
    ``revoked_by`` and ``integrator_token.revoked``. Returns the token.
    """
    role_require(actor, Role.SUPERVISOR)
    with transaction.atomic():
        token = _locked(token)
        if token.revoked_at is not None:
            raise ApplicationError(_("This token is revoked already."), code="token_revoked")
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor,
            action="integrator_token.revoked",
            obj=token,
            changes={"prefix": token.prefix, "name": token.name},
        )
    return token


def integrator_token_mark_used(*, token, now=None):
    """Note that ``token`` was used, at most once per ``LAST_USED_RESOLUTION``.

    The condition is in the UPDATE itself, so concurrent requests write once between
    them, and a request within the minute writes nothing (no query when the loaded row
    is recent). Not audited: the use itself is the API request's business.
    """
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return False
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    updated = IntegratorToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    if updated:
        token.last_used_at = now
    return bool(updated)
