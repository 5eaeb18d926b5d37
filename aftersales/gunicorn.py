"""gunicorn's configuration (``gunicorn -c python:aftersales.gunicorn aftersales.wsgi``).

Chosen by measurement on the two-core reference machine (``make loadtest``, bench/README
"Throughput"): the requests are short and mostly CPU (Python), with a few milliseconds of
waiting on PostgreSQL each, so the worker count follows the cores and a few threads per
worker fill the waits. Every value can be set from the environment.
"""

import os

_cores = os.cpu_count() or 1

worker_class = os.environ.get("WEB_WORKER_CLASS", "gthread")
workers = int(os.environ.get("WEB_WORKERS", _cores + 1))
threads = int(os.environ.get("WEB_THREADS", 4))
# A worker restarted after this many requests (with jitter) keeps memory flat.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", 20000))
max_requests_jitter = int(os.environ.get("WEB_MAX_REQUESTS_JITTER", 2000))
timeout = int(os.environ.get("WEB_TIMEOUT", 60))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", 20))
keepalive = int(os.environ.get("WEB_KEEPALIVE", 5))
# The application is loaded once in the master, so workers fork with it warm (and share
# its pages); the database connections are opened in each worker, after the fork.
preload_app = os.environ.get("WEB_PRELOAD", "1") == "1"
