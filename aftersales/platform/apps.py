from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    """The ground floor's plumbing: idempotency keys, the webhook outbox, notifications.

    Its tables were created by the tickets app and kept their names (``db_table``) when
    the models moved here (migration 0001 only moves the state).
    """

    name = "aftersales.platform"
    label = "platform"
    verbose_name = _("Platform")
