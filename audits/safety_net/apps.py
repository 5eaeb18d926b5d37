from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyNetConfig(AppConfig):
    """Registers every app's models with the audit safety net (``safety_net/models.py``).

    It imports the models of every app, so it stands above them all; the snapshot models
    it creates belong to the audits app (app label ``audits``, tables and migrations there).
    """

    name = "audits.safety_net"
    label = "safety_net"
    verbose_name = _("Audit safety net")
