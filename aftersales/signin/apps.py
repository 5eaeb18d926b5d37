from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigninConfig(AppConfig):
    name = "aftersales.signin"
    label = "signin"
    verbose_name = _("Sign-in")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import second_factor

        user_logged_in.connect(
            second_factor.note_pending_after_password, dispatch_uid="signin.second_factor"
        )
