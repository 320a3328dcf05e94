"""The worker's heartbeat: recorded by a Celery worker under beat, read by /readyz."""

import time

from django.conf import settings
from django.core.cache import cache

WORKER_HEARTBEAT_KEY = "clinicorg:worker:heartbeat"


def record_worker_heartbeat() -> None:
    cache.set(WORKER_HEARTBEAT_KEY, time.time(), timeout=None)


def worker_state() -> str:
    """ "ok" when a worker beat within three heartbeat intervals, else "stale"."""
    beat = cache.get(WORKER_HEARTBEAT_KEY)
    if beat is None or time.time() - beat >= 3 * settings.WORKER_HEARTBEAT_SECONDS:
        return "stale"
    return "ok"
