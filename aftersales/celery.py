"""The Celery application; configuration comes from Django settings (CELERY_*)."""

import os

from celery import Celery

from aftersales.gc_tuning import gc_tune

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings.local")

app = Celery("aftersales")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
gc_tune()  # the worker's and beat's processes, as the web's (aftersales.gc_tuning)


@app.on_after_configure.connect
def _ensure_broker_folders(sender, **kwargs):
    """The filesystem transport needs its folders before the first publish."""
    from django.conf import settings

    if str(settings.CELERY_BROKER_URL).startswith("filesystem://"):
        for key in ("data_folder_in", "processed_folder", "control_folder"):
            os.makedirs(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key], exist_ok=True)
