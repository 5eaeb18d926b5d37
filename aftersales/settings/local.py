"""Local development (`make run`): the embedded defaults (SQLite, filesystem broker).

DEBUG is off by default, so `make run` shows what people see: our own 404, 403 and 500
pages (a technician opening someone else's ticket gets the 404 page, not Django's debug
page with the URL list and settings). The dev server still serves the static files with
DEBUG off because Procfile.dev runs it with ``--insecure`` (fine on a developer's machine,
never in production, where WhiteNoise serves them). ``DEBUG=1 make run`` brings Django's
debug pages back while developing.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=False)
