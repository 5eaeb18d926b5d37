from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepotConfig(AppConfig):
    name = "tickets.depot"
    label = "depot"
    verbose_name = _("Depot repair")
