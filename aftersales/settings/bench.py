"""Benchmarks: production-like (DEBUG off), quiet logs, the in-process test client allowed.

The database is DATABASE_URL's; ``make bench`` points it at the *bench* database.
"""

from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
