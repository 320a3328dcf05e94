"""Background work of scheduling: the patient's confirmation email (see staff.tasks for how it
runs with and without a broker)."""

import logging

from clinicorg.celery import app
from clinicorg.staff.tasks import DELIVERY_ERRORS

log = logging.getLogger(__name__)


@app.task(bind=True, name="scheduling.send_appointment_confirmation", max_retries=5)
def send_appointment_confirmation(self, appointment_id: int, raw_token: str) -> bool:
    from .emails import send_confirmation

    try:
        return send_confirmation(appointment_id, raw_token)
    except DELIVERY_ERRORS as exc:
        if self.request.is_eager:
            log.warning("Appointment confirmation not sent (%s).", exc)
            return False
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
