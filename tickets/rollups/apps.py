from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RollupsConfig(AppConfig):
    name = "tickets.rollups"
    label = "rollups"
    verbose_name = _("KPI rollups")
