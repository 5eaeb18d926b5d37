from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChargesConfig(AppConfig):
    name = "tickets.charges"
    label = "charges"
    verbose_name = _("Charges")
