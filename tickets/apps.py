from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        from django.db.models.signals import post_migrate

        from aftersales.roles import grant_supervisor_admin_permissions

        # Registers the "customer notified" hook of the dispatch notice with the platform.
        from .services import notifications  # noqa: F401

        # After every migrate (and test flush): the supervisors' admin permissions.
        post_migrate.connect(
            grant_supervisor_admin_permissions, dispatch_uid="aftersales.supervisor_admin"
        )
