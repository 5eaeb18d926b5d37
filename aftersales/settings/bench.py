"""Benchmarks: production-like (DEBUG off), quiet logs, the in-process test client allowed.

The database is DATABASE_URL's; ``make bench`` points it at the *bench* database.
"""

from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
# The benchmarks measure speed: one persona sends far more than a person would, so the
# API's per-token and per-user throttles are off (the sign-in throttle stays).
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],  # noqa: F405
        "token": None,
        "user": None,
    },
}
# The product's URLs plus the framework-floor endpoints the harness measures (bench/urls.py).
ROOT_URLCONF = "bench.urls"
