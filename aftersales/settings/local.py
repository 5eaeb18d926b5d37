"""Local development: the embedded defaults (SQLite, filesystem broker), DEBUG on."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
