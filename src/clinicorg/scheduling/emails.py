"""The patient's confirmation email, with the single-use cancel link."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from .models import Appointment


def cancel_link(raw_token: str) -> str:
    return f"{settings.SITE_URL}/book/cancel/{raw_token}/"


def confirmation_message(
    appt: Appointment, raw_token: str, connection=None
) -> EmailMultiAlternatives:
    local = appt.starts_at.astimezone(ZoneInfo(appt.location.timezone))
    context = {
        "appt": appt,
        "organization": appt.organization,
        "provider_name": appt.provider.shown_name,
        "local_start": local,
        "zone": local.tzname(),
        "link": cancel_link(raw_token),
    }
    subject = render_to_string("scheduling/email/confirmation_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("scheduling/email/confirmation.txt", context),
        to=[appt.patient_email],
        connection=connection,
    )
    message.attach_alternative(
        render_to_string("scheduling/email/confirmation.html", context), "text/html"
    )
    return message
