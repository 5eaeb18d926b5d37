"""Test settings: the same engines as configured by the environment, fast hashing."""

import os

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if "KEY_PREFIX" in CACHES["default"]:  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = "aftersales-test"  # noqa: F405
# The tests' own webhook receivers listen on 127.0.0.1; named here on purpose, so every
# other loopback or private address stays refused in the tests too.
WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
# The API's per-token and per-user throttles are off for the suite (their own tests switch
# them on with the settings fixture: tests/tokens/test_throttling.py).
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"auth": "1000/min", "token": None, "user": None},
}

# pytest-xdist (scripts/test runs the suite in two processes): each worker gets a Redis
# database of its own, so one worker's cache clearing and Celery consumers never touch the
# other's. Worker gwN uses REDIS_URL's database + N (pytest-django already gives each
# worker its own test database). Subprocesses a test starts inherit the variable, so they
# land on the same database as their test.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _XDIST_WORKER.startswith("gw"):  # noqa: F405
    from urllib.parse import urlsplit, urlunsplit

    _url = urlsplit(REDIS_URL)  # noqa: F405
    _db = int(_url.path.strip("/") or 0) + int(_XDIST_WORKER[2:])
    REDIS_URL = urlunsplit(_url._replace(path=f"/{_db}"))
    CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
    CELERY_BROKER_URL = REDIS_URL

# Every closed ticket owes its return visit in the suite (the older tests of the follow-up
# queue and the SLA sweep's follow-up clock expect one); the sampling tests
# (tests/surveys/) set the percentage themselves.
SURVEY_SAMPLE_PERCENT = 100
