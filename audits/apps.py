from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = _("Audits")

    def ready(self):
        from django.contrib import admin
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        # Admin edits of every app are audited, whatever their ModelAdmin. Every app's
        # admin module is registered by now: django.contrib.admin autodiscovers in its
        # own ready(), and it is listed before us in INSTALLED_APPS. (Imported here, not at
        # the top: admin and receivers need the models, which are not loaded yet.)
        from . import receivers
        from .admin import audit_admin_site

        audit_admin_site(admin.site)
        user_logged_in.connect(receivers.signed_in, dispatch_uid="audits.signed_in")
        user_login_failed.connect(receivers.sign_in_failed, dispatch_uid="audits.sign_in_failed")
