"""The e-mail intake's mailboxes: a superuser's to set up in the admin, the password
write-only and stored encrypted, supervisors reading without it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from aftersales.exceptions import ActionForbidden
from audits.models import AuditEvent
from tests.admin_forms import errors_of, form_data
from tickets import services
from tickets.models import InboundEmail, Mailbox
from tickets.services.mailboxes import MailboxPasswordMissing, mailbox_password

pytestmark = pytest.mark.django_db

SECRET = "s3cret-imap-pass"


def fields(owner, **extra):
    return {
        "name": "Service desk",
        "host": "imap.example.com",
        "port": 993,
        "security": "ssl",
        "username": "service@example.com",
        "folder": "INBOX",
        "processed_folder": "Processed",
        "category": "repair",
        "owner": owner,
        **extra,
    }


def test_a_stored_password_is_encrypted_and_never_in_the_audit_trail(agent):
    mailbox = services.mailbox_create(actor=None, password=SECRET, **fields(agent))

    stored = Mailbox.objects.get(pk=mailbox.pk)
    assert SECRET not in stored.password_encrypted
    assert mailbox_password(stored) == SECRET
    event = AuditEvent.objects.get(action="mailbox.created", object_id=str(mailbox.pk))
    assert event.changes["password"] == "<redacted>"  # the trail's secret rule, on top
    assert SECRET not in str(event.changes)
    assert "password_encrypted" not in event.changes


def test_the_environment_variable_wins_over_the_stored_password(agent, monkeypatch):
    mailbox = services.mailbox_create(
        actor=None, password=SECRET, password_env="SERVICE_IMAP_PASSWORD", **fields(agent)
    )
    assert mailbox_password(mailbox) == SECRET  # not set: the stored one
    monkeypatch.setenv("SERVICE_IMAP_PASSWORD", "from-env")
    assert mailbox_password(mailbox) == "from-env"

    mailbox = services.mailbox_update(mailbox=mailbox, actor=None, clear_password=True)
    monkeypatch.delenv("SERVICE_IMAP_PASSWORD")
    with pytest.raises(MailboxPasswordMissing):
        mailbox_password(mailbox)


def test_a_mailbox_needs_a_password_source_and_a_desk_owner(agent, technician):
    with pytest.raises(ValidationError) as refused:
        services.mailbox_create(actor=None, **fields(agent))
    assert "password_env" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        services.mailbox_create(actor=None, password=SECRET, **fields(technician.user))
    assert "owner" in refused.value.error_dict
    assert not Mailbox.objects.exists()


def test_only_a_superuser_sets_up_mailboxes(agent, supervisor):
    with pytest.raises(ActionForbidden):
        services.mailbox_create(actor=supervisor, password=SECRET, **fields(agent))
    assert not Mailbox.objects.exists()


def test_a_mailbox_that_took_messages_is_disabled_not_deleted(agent):
    mailbox = services.mailbox_create(actor=None, password=SECRET, **fields(agent))
    InboundEmail.objects.create(mailbox=mailbox, message_id="<1@x>", outcome="ignored")
    with pytest.raises(ValidationError):
        services.mailbox_delete(mailbox=mailbox, actor=None)
    assert Mailbox.objects.filter(pk=mailbox.pk).exists()


# --- The admin -------------------------------------------------------------------------------


def test_the_admin_adds_a_mailbox_with_a_write_only_password(admin_client, agent):
    add = reverse("admin:tickets_mailbox_add")
    page = admin_client.get(add)
    data = form_data(page, **{**fields(agent.pk), "password": SECRET, "enabled": "on"})

    response = admin_client.post(add, data)

    assert response.status_code == 302, errors_of(response)
    mailbox = Mailbox.objects.get()
    assert mailbox_password(mailbox) == SECRET
    change = admin_client.get(reverse("admin:tickets_mailbox_change", args=[mailbox.pk]))
    html = change.content.decode()
    assert 'name="password"' in html
    assert SECRET not in html and mailbox.password_encrypted not in html
    assert AuditEvent.objects.filter(action="admin.created", object_id=str(mailbox.pk)).exists()


def test_an_admin_edit_without_a_password_keeps_the_stored_one(admin_client, agent):
    mailbox = services.mailbox_create(actor=None, password=SECRET, **fields(agent))
    url = reverse("admin:tickets_mailbox_change", args=[mailbox.pk])
    data = form_data(admin_client.get(url), folder="Support")

    response = admin_client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    mailbox.refresh_from_db()
    assert (mailbox.folder, mailbox_password(mailbox)) == ("Support", SECRET)
    event = AuditEvent.objects.get(action="admin.updated", object_id=str(mailbox.pk))
    assert event.changes == {"folder": ["INBOX", "Support"]}


def test_an_admin_mailbox_refused_by_the_service_shows_the_error(admin_client, agent):
    add = reverse("admin:tickets_mailbox_add")
    data = form_data(admin_client.get(add), **fields(agent.pk))  # no password, no variable

    response = admin_client.post(add, data)

    assert response.status_code == 200
    assert "environment variable" in errors_of(response)
    assert not Mailbox.objects.exists()


def test_supervisors_read_mailboxes_without_the_password_and_cannot_change_them(
    supervisor_admin, agent
):
    mailbox = services.mailbox_create(actor=None, password=SECRET, **fields(agent))
    url = reverse("admin:tickets_mailbox_change", args=[mailbox.pk])

    page = supervisor_admin.get(url)

    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="password"' not in html and "password_encrypted" not in html
    assert SECRET not in html
    assert supervisor_admin.post(url, {"name": "taken over"}).status_code == 403
    assert supervisor_admin.get(reverse("admin:tickets_mailbox_add")).status_code == 403
    assert Mailbox.objects.get().name == "Service desk"
