"""Email delivery from Celery tasks: retry with backoff on a worker, log and go on inline.

With a broker, a task whose mail server is unreachable retries (2, 4, 8... minutes). Run
inline (no broker), the failure is logged and the task answers 0: the request or command that
queued it has already committed and must not fail for it.
"""

import logging
import smtplib

log = logging.getLogger(__name__)

DELIVERY_ERRORS = (OSError, smtplib.SMTPException)


def send_or_retry(task, send, *args, unsent: str) -> int:
    """`send(*args)` inside the bound Celery `task`; `unsent` is logged with the error when
    run inline (it names what was not sent and what happens to it)."""
    try:
        return send(*args)
    except DELIVERY_ERRORS as exc:
        if task.request.is_eager:
            log.warning("%s (%s)", unsent, exc)
            return 0
        raise task.retry(exc=exc, countdown=60 * 2**task.request.retries) from exc
