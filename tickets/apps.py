from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from aftersales.roles import grant_supervisor_admin_permissions


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        # Registers the "customer notified" hook of the dispatch notice with the platform.
        # The trail encrypts and masks these values of every customer event.
        from audits.personal import personal_fields_register

        from .models import CUSTOMER_PERSONAL_FIELDS
        from .services import notifications  # noqa: F401

        personal_fields_register("tickets.customer", CUSTOMER_PERSONAL_FIELDS)

        # After every migrate (and test flush): the supervisors' admin permissions.
        post_migrate.connect(
            grant_supervisor_admin_permissions, dispatch_uid="aftersales.supervisor_admin"
        )
