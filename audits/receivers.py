"""Sign-ins and failed sign-ins, from Django's auth signals (the only hook for the
session login; the token endpoint records its successes itself, its failures come
through ``authenticate()`` here). Usernames are recorded, passwords never.
"""

from django.db import transaction

from .services import audit_record


def signed_in(sender, request, user, **kwargs):
    with transaction.atomic():
        audit_record(actor=user, action="auth.signed_in", obj=user, changes={"via": "session"})


def sign_in_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:64]
    with transaction.atomic():
        audit_record(
            actor=None,
            action="auth.sign_in_failed",
            object_type="auth.user",
            object_id=username,
            changes={"username": username},
        )
