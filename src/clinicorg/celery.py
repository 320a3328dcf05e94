"""Celery application: Redis broker in production, inline execution without one."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinicorg.settings")

app = Celery("clinicorg")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
