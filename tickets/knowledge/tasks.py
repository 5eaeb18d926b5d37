"""Celery tasks of the knowledge base: thin wrappers around the services."""

from celery import shared_task

from .services import support_questions_overdue_sweep


@shared_task
def support_questions_overdue_sweep_task():
    """Beat: mark and notify the support questions past their response target, once."""
    return support_questions_overdue_sweep()
