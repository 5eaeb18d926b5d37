"""Django's PostgreSQL backend (psycopg2), with one change: the health check.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query of every
request on a persistent connection, so that a connection the server dropped (a restart, an
idle timeout) is replaced instead of failing the request. That is one round trip per
request, the same for every request. Here it is skipped while the connection served the
previous request without a connection error less than ``HEALTH_CHECK_BYPASS_SECONDS`` ago
(the database's settings entry; 0 checks every request, as Django does), which is what
connection pools such as HikariCP do (``aliveBypassWindowMs``). A connection idle for
longer is checked as before. What this trades: a server restart within that window of a
request fails the next request on each connection that was busy at the time (it would have
failed on its next query too); Django closes such a connection at the end of that request
(``errors_occurred``), and the next request opens a new one.
"""

import time

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._known_good_at = None

    @property
    def health_check_bypass(self):
        return float(self.settings_dict.get("HEALTH_CHECK_BYPASS_SECONDS") or 0)

    def connect(self):
        self._known_good_at = None
        super().connect()

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and not self.health_check_done
            and self._known_good_at is not None
            and time.monotonic() - self._known_good_at < self.health_check_bypass
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self):
        # Called when a request starts and when it ends. The connection served a request
        # if its check ran (or was skipped) during it; without a connection error since,
        # it worked just now.
        served = self.connection is not None and self.health_check_done
        served = served and not self.errors_occurred
        super().close_if_unusable_or_obsolete()
        if served and self.connection is not None:
            self._known_good_at = time.monotonic()
