"""Health checks for load balancers and orchestrators.

GET /healthz: liveness. The process answers; nothing else is asked (a database outage must not
get every web process restarted).

GET /readyz: readiness, per component, each bounded by a short timeout: `database` (a query),
`redis` (a ping, when REDIS_URL is set) and `worker` (the heartbeat a Celery worker records
under beat, when REDIS_URL is set). 200 when the database and Redis answer, else 503. A worker
that stopped beating is reported (`stale`) but does not take the site out of service: its work
waits in the database. The answer names no host, port or database.
"""

import threading

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from clinicorg.core.health import worker_state

CHECK_TIMEOUT_SECONDS = 2.0


def healthz(request):
    return JsonResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


def readyz(request):
    checks = {"database": _bounded(_database)}
    if settings.REDIS_URL:
        checks["redis"] = _bounded(_redis)
        checks["worker"] = worker_state() if checks["redis"] == "ok" else "unknown"
    else:
        checks["redis"] = checks["worker"] = "not_configured"
    ready = checks["database"] == "ok" and checks["redis"] in ("ok", "not_configured")
    status = "ok" if ready and checks["worker"] in ("ok", "not_configured") else "degraded"
    return JsonResponse(
        {"status": status if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
        headers={"Cache-Control": "no-store"},
    )


def _bounded(check) -> str:
    """ "ok", "error" or "timeout": the check runs in a thread given CHECK_TIMEOUT_SECONDS."""
    result = ["timeout"]

    def run():
        try:
            check()
            result[0] = "ok"
        except Exception:  # any failure of the component means not ready; no detail leaks
            result[0] = "error"

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(CHECK_TIMEOUT_SECONDS)
    return result[0]


def _database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # this thread's own connection


def _redis() -> None:
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=CHECK_TIMEOUT_SECONDS / 2, socket_timeout=1
    )
    try:
        client.ping()
    finally:
        client.close()
