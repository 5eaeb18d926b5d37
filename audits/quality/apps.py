from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    """Quality audits and KPI reports: the top floor, reading tickets, technicians and parts.

    Its models live in the audits app (``audits.models``, app label ``audits``); this app
    holds the rules, reads, API and tasks that need the other apps.
    """

    name = "audits.quality"
    label = "quality"
    verbose_name = _("Quality audits and KPIs")
