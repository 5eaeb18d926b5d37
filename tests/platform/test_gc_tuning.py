"""The garbage collector's thresholds of the web, worker and bench processes."""

import gc
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from aftersales.gc_tuning import THRESHOLD, gc_tune


@pytest.fixture(autouse=True)
def _restore_thresholds():
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_the_default_is_the_measured_threshold(monkeypatch):
    monkeypatch.delenv("PYTHON_GC_THRESHOLD", raising=False)
    gc.set_threshold(700, 10, 10)
    assert gc_tune() == THRESHOLD == (50_000, 20, 100)
    assert gc.get_threshold() == THRESHOLD


def test_the_environment_sets_other_values_or_keeps_pythons(monkeypatch):
    monkeypatch.setenv("PYTHON_GC_THRESHOLD", "2000, 15, 30")
    assert gc_tune() == (2000, 15, 30) == gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    monkeypatch.setenv("PYTHON_GC_THRESHOLD", "default")
    assert gc_tune() == (700, 10, 10) == gc.get_threshold()


@pytest.mark.parametrize("value", ["50000,20", "a,b,c", "0,10,10", "1,2,3,4"])
def test_a_wrong_value_stops_the_process_with_its_name(value):
    gc.set_threshold(700, 10, 10)
    with pytest.raises(ImproperlyConfigured, match="PYTHON_GC_THRESHOLD"):
        gc_tune(value)
    assert gc.get_threshold() == (700, 10, 10)


@pytest.mark.parametrize("module", ["aftersales.wsgi", "aftersales.celery"])
def test_the_web_and_worker_entry_points_set_it(module):
    """Loading gunicorn's WSGI module (in the master, before the fork) or the Celery app
    sets the thresholds in that process."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHON_GC_THRESHOLD"}
    code = f"import gc, {module}; print(gc.get_threshold())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True, timeout=120)  # fmt: skip
    assert out.stdout.strip().splitlines()[-1] == str(THRESHOLD)
