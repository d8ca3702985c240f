"""Chiiki DX Platform core: settings, Celery app, accounts, organisations and permissions."""

from .celery import app as celery_app

__all__ = ("celery_app",)
