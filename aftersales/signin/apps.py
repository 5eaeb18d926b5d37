import axes.apps
import django_otp.plugins.otp_static.apps as otp_static_apps
import django_otp.plugins.otp_totp.apps as otp_totp_apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigninConfig(AppConfig):
    default = True  # the app's own config, among the sign-in apps' below
    name = "aftersales.signin"
    label = "signin"
    verbose_name = _("Sign-in")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import second_factor

        user_logged_in.connect(
            second_factor.note_pending_after_password, dispatch_uid="signin.second_factor"
        )


# The sign-in apps we install, named for the admin in our languages (their own AppConfigs
# have untranslated names: "Axes", "Otp_Totp"); INSTALLED_APPS lists these.
class AxesConfig(axes.apps.AppConfig):
    verbose_name = _("Sign-in lockouts")


def _rename(model, singular, plural):
    """Name a package's model in our languages: its Meta has plain (untranslatable) names.
    Only the admin reads these; migrations read the Meta as declared (``original_attrs``),
    so the package's migrations stay as they are."""
    model._meta.verbose_name, model._meta.verbose_name_plural = singular, plural


class TOTPConfig(otp_totp_apps.DefaultConfig):
    verbose_name = _("Two-factor sign-in: authenticator apps")

    def ready(self):
        super().ready()
        _rename(self.get_model("TOTPDevice"), _("authenticator app"), _("authenticator apps"))


class StaticTokensConfig(otp_static_apps.DefaultConfig):
    verbose_name = _("Two-factor sign-in: backup codes")

    def ready(self):
        super().ready()
        _rename(self.get_model("StaticDevice"), _("backup code list"), _("backup code lists"))
        _rename(self.get_model("StaticToken"), _("backup code"), _("backup codes"))
