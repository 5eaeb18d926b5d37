"""The session engine: Django's database sessions, remembering the expiry they were read
with, so the session middleware can skip a save that would move it by less than
``SESSION_SLIDE_SECONDS`` (``aftersales.middleware.SessionMiddleware``)."""

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore


class SessionStore(DbSessionStore):
    loaded_expiry = None  # the stored expire_date, once the session has been read

    def _get_session_from_db(self):
        stored = super()._get_session_from_db()
        self.loaded_expiry = stored.expire_date if stored is not None else None
        return stored
