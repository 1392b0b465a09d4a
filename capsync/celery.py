"""The Celery app: reads CELERY_* Django settings, takes logging from settings.LOGGING and finds each app's
tasks.py."""

import os
from logging.config import dictConfig

from celery import Celery
from celery.signals import setup_logging
from django.conf import settings  # lazy: read when a worker starts, after DJANGO_SETTINGS_MODULE is set

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capsync.settings")

app = Celery("capsync")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def logging_from_settings(**_: object) -> None:
    """Workers and beat log as the web does (JSON in production, secrets redacted), not in Celery's own format,
    which drops the context (connection_id, outcome) operators alert on and bypasses the redaction filter."""
    dictConfig(settings.LOGGING)
