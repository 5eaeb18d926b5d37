"""Issue, rotate, revoke: the rules, what is stored (a digest, never the key) and the
audit trail."""

import datetime
import hashlib

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from aftersales.exceptions import ActionForbidden, ApplicationError
from aftersales.roles import Role
from aftersales.tokens import services
from aftersales.tokens.models import IntegratorToken, TokenStatus
from audits.models import AuditEvent

pytestmark = pytest.mark.django_db


def _stored_text():
    """Every row of every table of the database, as text (this transaction's rows
    included): the tokens, the audit trail, the trigger snapshots, everything."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        rows = []
        for table in tables:
            cursor.execute(f'SELECT row_to_json(t)::text FROM "{table}" t')
            rows += [row[0] for row in cursor.fetchall()]
    return "\n".join(rows)


def test_create_stores_the_digest_and_the_prefix_never_the_key(shop, issue):
    token, key = issue(shop, name="Web shop")

    assert key.startswith(f"aft_{token.prefix}_") and len(key) > 50
    stored = _stored_text()
    secret = key.split("_", 2)[2]
    assert key not in stored and secret not in stored
    assert hashlib.sha256(key.encode()).hexdigest() in stored
    token.refresh_from_db()
    assert token.name == "Web shop" and token.status == TokenStatus.ACTIVE
    assert token.last_used_at is None and token.expires_at is None


def test_create_is_audited_with_the_prefix(shop, issue, supervisor):
    token, _key = issue(shop, expires_at=timezone.now() + datetime.timedelta(days=30))

    event = AuditEvent.objects.get(action="integrator_token.created")
    assert event.actor == supervisor and event.object_id == str(token.pk)
    assert event.changes["prefix"] == token.prefix and event.changes["user"] == shop.pk
    assert event.changes["expires_at"] == token.expires_at.isoformat()


def test_several_named_tokens_per_integrator_but_not_two_active_of_one_name(shop, issue):
    issue(shop, name="Web shop")
    issue(shop, name="IVR")

    with pytest.raises(ValidationError) as refused:
        issue(shop, name=" Web shop ")
    assert "name" in refused.value.message_dict
    assert IntegratorToken.objects.filter(user=shop).count() == 2


def test_a_revoked_tokens_name_may_be_used_again(shop, issue, supervisor):
    old, _key = issue(shop, name="ERP")
    services.integrator_token_revoke(token=old, actor=supervisor)

    new, _key = issue(shop, name="ERP")

    assert new.pk != old.pk and new.status == TokenStatus.ACTIVE


@pytest.mark.parametrize(
    "kind", ["agent", "supervisor", "staff", "inactive", "integrator_and_supervisor"]
)
def test_only_an_integrator_without_a_second_factor_holds_a_token(make_user, issue, kind):
    roles = {
        "agent": [Role.AGENT],
        "supervisor": [Role.SUPERVISOR],
        "integrator_and_supervisor": [Role.INTEGRATOR, Role.SUPERVISOR],
    }.get(kind, [Role.INTEGRATOR])
    user = make_user(roles[0], username=f"u-{kind}")
    for role in roles[1:]:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    if kind == "staff":
        user.is_staff = True
    if kind == "inactive":
        user.is_active = False
    user.save()

    with pytest.raises(ValidationError) as refused:
        issue(user)

    assert "user" in refused.value.message_dict
    assert (
        not IntegratorToken.objects.exists()
        and not AuditEvent.objects.filter(action__startswith="integrator_token").exists()
    )


def test_an_expiry_in_the_past_or_an_empty_name_is_refused(shop, issue):
    with pytest.raises(ValidationError) as past:
        issue(shop, expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ValidationError) as empty:
        issue(shop, name="   ")

    assert "expires_at" in past.value.message_dict and "name" in empty.value.message_dict
    assert not IntegratorToken.objects.exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.TECHNICIAN, Role.INTEGRATOR, Role.AUDITOR])
def test_only_supervisors_issue_rotate_and_revoke(make_user, shop, issue, role):
    actor = make_user(role)
    token, _key = issue(shop)

    with pytest.raises(ActionForbidden):
        services.integrator_token_create(user=shop, name="Other", actor=actor)
    with pytest.raises(ActionForbidden):
        services.integrator_token_rotate(token=token, actor=actor)
    with pytest.raises(ActionForbidden):
        services.integrator_token_revoke(token=token, actor=actor)


def test_rotate_draws_a_new_key_keeps_name_and_expiry_and_is_audited(shop, issue, supervisor):
    expires = timezone.now() + datetime.timedelta(days=10)
    token, old_key = issue(shop, name="IVR", expires_at=expires)
    old_prefix = token.prefix

    rotated, new_key = services.integrator_token_rotate(token=token, actor=supervisor)

    assert new_key != old_key and rotated.pk == token.pk
    rotated.refresh_from_db()
    assert rotated.prefix != old_prefix and rotated.name == "IVR"
    assert rotated.expires_at == expires and rotated.rotated_at is not None
    assert old_key not in _stored_text() and new_key not in _stored_text()
    event = AuditEvent.objects.get(action="integrator_token.rotated")
    assert event.changes == {"prefix": [old_prefix, rotated.prefix]}


def test_rotate_may_set_a_new_expiry_and_an_expired_token_needs_one(shop, issue, supervisor):
    token, _key = issue(shop, expires_at=timezone.now() + datetime.timedelta(minutes=5))
    IntegratorToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    with pytest.raises(ValidationError) as refused:
        services.integrator_token_rotate(token=token, actor=supervisor)
    assert "expires_at" in refused.value.message_dict

    later = timezone.now() + datetime.timedelta(days=90)
    rotated, _key = services.integrator_token_rotate(
        token=token, actor=supervisor, expires_at=later
    )
    assert rotated.status == TokenStatus.ACTIVE and rotated.expires_at == later
    assert AuditEvent.objects.get(action="integrator_token.rotated").changes["expires_at"][1] == (
        later.isoformat()
    )


def test_revoke_is_audited_and_a_revoked_token_cannot_be_rotated_or_revoked(
    shop, issue, supervisor
):
    token, _key = issue(shop)

    services.integrator_token_revoke(token=token, actor=supervisor)

    token.refresh_from_db()
    assert token.status == TokenStatus.REVOKED and token.revoked_by == supervisor
    assert AuditEvent.objects.filter(action="integrator_token.revoked").count() == 1
    with pytest.raises(ApplicationError) as again:
        services.integrator_token_revoke(token=token, actor=supervisor)
    with pytest.raises(ApplicationError) as rotate:
        services.integrator_token_rotate(token=token, actor=supervisor)
    assert again.value.code == rotate.value.code == "token_revoked"
    assert AuditEvent.objects.filter(action="integrator_token.revoked").count() == 1


def test_last_use_is_written_at_most_once_a_minute(shop, issue, django_assert_num_queries):
    token, _key = issue(shop)
    now = timezone.now()

    assert services.integrator_token_mark_used(token=token, now=now) is True
    with django_assert_num_queries(0):
        assert (
            services.integrator_token_mark_used(
                token=token, now=now + datetime.timedelta(seconds=59)
            )
            is False
        )
    # Another process holding an older copy of the row: the UPDATE's condition refuses.
    stale_copy = IntegratorToken.objects.get(pk=token.pk)
    stale_copy.last_used_at = None
    assert (
        services.integrator_token_mark_used(
            token=stale_copy, now=now + datetime.timedelta(seconds=30)
        )
        is False
    )
    assert (
        services.integrator_token_mark_used(token=token, now=now + datetime.timedelta(seconds=61))
        is True
    )
    token.refresh_from_db()
    assert token.last_used_at == now + datetime.timedelta(seconds=61)
