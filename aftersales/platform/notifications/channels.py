"""The channels a notification goes through: e-mail, SMS, the in-app inbox.

A channel knows a recipient's address on it (empty: the row is ``no_recipient``) and
delivers one ``Notification``. ``send`` is only ever called outside a transaction, by
``notification_deliver``; it raises on failure — ``PermanentDeliveryError`` when trying
again cannot help (the attempt is failed at once), anything else is retried.
Which channels a kind uses is ``settings.NOTIFICATION_CHANNELS`` (kind → channel names,
``"default"`` for the rest); the e-mail backend is Django's ``EMAIL_BACKEND`` and the SMS
gateway ``SMS_GATEWAY`` (``aftersales.platform.notifications.sms``).
"""

from django.conf import settings
from django.core.mail import EmailMessage

from ..models import NotificationChannel
from .sms import sms_gateway


class PermanentDeliveryError(Exception):
    """The channel refused for good (no template approved, an invalid number)."""


class EmailChannel:
    """E-mail through Django's mail backend. The Message-ID carries the notification's
    uuid, so a mail system (or a person) sees a redelivered message as the same one."""

    name = NotificationChannel.EMAIL
    immediate = False

    def address_of(self, recipient):
        return recipient.email

    def send(self, notification):
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "aftersales"
        message = EmailMessage(
            subject=notification.subject,
            body=notification.body,
            to=[notification.address],
            headers={
                "Message-ID": f"<{notification.uuid}@{domain}>",
                "X-Aftersales-Notification": str(notification.uuid),
                "X-Aftersales-Kind": notification.kind,
            },
        )
        message.send(fail_silently=False)
        return ""


class SmsChannel:
    """SMS through the configured gateway: an approved template (``SMS_TEMPLATES``, kind →
    the provider's template id) and the kind's parameters (``sms.txt``), no free text."""

    name = NotificationChannel.SMS
    immediate = False

    def address_of(self, recipient):
        return recipient.phone

    def send(self, notification):
        gateway = sms_gateway()
        template_id = settings.SMS_TEMPLATES.get(notification.kind, "")
        if gateway.needs_template and not template_id:
            raise PermanentDeliveryError(f"no SMS template id configured for {notification.kind}")
        if not notification.sms_params:
            raise PermanentDeliveryError(f"{notification.kind} has no SMS parameters (sms.txt)")
        return gateway.send(
            phone=notification.address,
            template_id=template_id,
            params=notification.sms_params,
            message_id=str(notification.uuid),
        )


class InboxChannel:
    """The user's in-app inbox (``GET /api/v1/inbox/``): the committed row is the message,
    so it is ``sent`` at once and never goes through a task."""

    name = NotificationChannel.INBOX
    immediate = True

    def address_of(self, recipient):
        return f"user:{recipient.user.pk}" if recipient.user is not None else ""

    def send(self, notification):  # pragma: no cover - inbox rows are never delivered
        return ""


CHANNELS = {channel.name: channel for channel in (EmailChannel(), SmsChannel(), InboxChannel())}


def channel(name):
    return CHANNELS[name]


def channels_for(kind):
    """The channels ``kind`` goes through (``NOTIFICATION_CHANNELS``)."""
    table = settings.NOTIFICATION_CHANNELS
    names = table.get(kind, table.get("default", [NotificationChannel.EMAIL]))
    unknown = [name for name in names if name not in CHANNELS]
    if unknown:
        raise ValueError(f"NOTIFICATION_CHANNELS names unknown channels: {unknown}")
    return [CHANNELS[name] for name in names]
