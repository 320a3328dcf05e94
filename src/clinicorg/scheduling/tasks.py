"""Background work of scheduling: the patient's confirmation email (sent through core.delivery,
with and without a broker)."""

import logging

from clinicorg.celery import app
from clinicorg.core.delivery import send_or_retry

log = logging.getLogger(__name__)


@app.task(bind=True, name="scheduling.send_appointment_confirmation", max_retries=5)
def send_appointment_confirmation(self, appointment_id: int, raw_token: str) -> bool:
    from .emails import send_confirmation

    return bool(
        send_or_retry(
            self,
            send_confirmation,
            appointment_id,
            raw_token,
            unsent="Appointment confirmation not sent.",
        )
    )
