"""Strings that other packages show in our admin without a Simplified Chinese translation.

Nothing imports this module: ``makemessages`` reads it, so these msgids stay in our
catalogue (``locale/``), which Django consults before the packages' own. The texts must
match the packages' exactly; ``tests/architecture/test_i18n.py`` renders the admin in
Chinese and fails on an English model name left.
"""

from django.utils.translation import gettext_noop as _

# django-axes (sign-in lockouts): models, fields, fieldsets.
AXES = [
    _("access attempt"),
    _("access attempts"),
    _("access attempt expiration"),
    _("access attempt expirations"),
    _("access failure"),
    _("access failures"),
    _("access log"),
    _("access logs"),
    _("User Agent"),
    _("IP Address"),
    _("HTTP Accept"),
    _("Path"),
    _("Attempt Time"),
    _("Access lock out"),
    _("GET Data"),
    _("POST Data"),
    _("Failed Logins"),
    _("Access Attempt"),
    _("Expires At"),
    _("The time when access attempt expires and is no longer valid."),
    _("Logout Time"),
    _("Session key hash (sha256)"),
    _("Form Data"),
    _("Meta Data"),
]

# Django's admin: column headers of the app list (for screen readers) newer than its
# zh_Hans catalogue.
ADMIN = [_("Model name"), _("Add link"), _("Change or view list link")]
