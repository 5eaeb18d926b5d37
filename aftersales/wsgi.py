"""WSGI entry point (gunicorn aftersales.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from aftersales.gc_tuning import gc_tune

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.local")
application = get_wsgi_application()
# In gunicorn's master (the app is preloaded), so every forked worker inherits it.
gc_tune()
