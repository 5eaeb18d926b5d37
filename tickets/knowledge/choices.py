"""Codes of the knowledge base and the technical-support queue."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")


class SuggestMethod(models.TextChoices):
    """How suggestions are found (README, "The knowledge base": the measured comparison)."""

    FTS = "fts", _("jieba segmentation + PostgreSQL full-text search")
    TRIGRAM = "trigram", _("PostgreSQL trigram similarity")
    COMBINED = "combined", _("Full-text and trigram combined")
    PYTHON = "python", _("jieba tokens matched in Python (SQLite)")
