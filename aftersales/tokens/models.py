"""An integrator's API token: only a prefix and the SHA-256 of the secret are stored.

Why not DRF's ``authtoken`` (one key per user, stored in clear) or django-rest-knox (one
token per sign-in, no name, no rotation, no last use): an integrator runs several
integrations (a shop, an IVR, an ERP), each with a token of its own that a supervisor
issues, names, rotates and revokes without touching the others. The secret is 256 random
bits (``secrets``), so a fast hash is enough: there is nothing to brute-force, unlike a
password, and a lookup costs one indexed read by the prefix and a constant-time compare
of the digests (``aftersales.tokens.authentication``).
"""

import datetime
import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# What every integrator token starts with: tells it from a person's sign-in token (40 hex
# digits, DRF's authtoken) and lets secret scanners recognise a leaked one.
TOKEN_PREFIX = "aft_"
PREFIX_LENGTH = 12


def token_digest(key):
    """The stored form of a token: SHA-256 of the whole key, hex."""
    return hashlib.sha256(key.encode()).hexdigest()


class TokenStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("token status", "Active")
    EXPIRED = "expired", pgettext_lazy("token status", "Expired")
    REVOKED = "revoked", pgettext_lazy("token status", "Revoked")


class IntegratorTokenQuerySet(models.QuerySet):
    def usable(self, at=None):
        """Neither revoked nor expired at ``at`` (now)."""
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=at)
        )

    def with_people(self):
        return self.select_related("user", "created_by", "revoked_by")


class IntegratorToken(models.Model):
    """One named API token of an integrator (a user in the ``integrator`` group).

    Written only by ``aftersales.tokens.services`` (create, rotate, revoke: each audited)
    and, for ``last_used_at``, by the authentication at most once a minute. The secret
    itself is never stored: ``prefix`` (shown to people, the lookup key) and ``digest``
    (SHA-256 of the whole key). A revoked token stays as a record; its name may be reused.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="integrator_tokens",
        verbose_name=_("integrator"),
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, unique=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    rotated_at = models.DateTimeField(_("rotated at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    objects = IntegratorTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("integrator token")
        verbose_name_plural = _("integrator tokens")
        ordering = ["user_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=Q(revoked_at__isnull=True),
                name="tokens_integratortoken_active_name_unique",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.display_prefix})"

    @property
    def display_prefix(self):
        """What people see of the token: its first characters, enough to recognise it."""
        return f"{TOKEN_PREFIX}{self.prefix}…"

    def status_at(self, at=None):
        at = at or timezone.now()
        if self.revoked_at is not None:
            return TokenStatus.REVOKED
        if self.expires_at is not None and self.expires_at <= at:
            return TokenStatus.EXPIRED
        return TokenStatus.ACTIVE

    @property
    def valid_through_day(self):
        """The last local day of validity when the token ends at a local midnight (as the
        page's "Valid until" day sets it), else None: the page then shows the instant."""
        if self.expires_at is None:
            return None
        local = timezone.localtime(self.expires_at)
        if local.time() != datetime.time.min:
            return None
        return local.date() - datetime.timedelta(days=1)

    @property
    def status(self):
        return self.status_at()

    def get_status_display(self):
        return TokenStatus(self.status).label
