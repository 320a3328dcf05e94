"""Reminder digest emails: text and HTML, dates and times in the organization's time zone.

Built and sent by the mail outbox's sender (`reports.outbox`) after the digests are recorded,
never inside their transaction.
"""

from datetime import date

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import ReminderDigest


def digest_message(digest: ReminderDigest, connection=None) -> EmailMultiAlternatives:
    org = digest.organization
    items = [{**i, "expires_on": date.fromisoformat(i["expires_on"])} for i in digest.items]
    context = {
        "digest": digest,
        "recipient": digest.recipient,
        "organization": org,
        "own": [i for i in items if i["own"]],
        "others": [i for i in items if not i["own"]],
        "announced": digest.announced,
        "expired": sum(1 for i in items if i["days_left"] < 0),
        "list_url": f"{settings.SITE_URL}{reverse('web:license_list')}",
        "site_url": settings.SITE_URL,
    }
    with timezone.override(org.timezone):
        context["sent_at"] = timezone.localtime()
        subject = render_to_string("reports/email/digest_subject.txt", context)
        text = render_to_string("reports/email/digest.txt", context)
        html = render_to_string("reports/email/digest.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()), body=text, to=[digest.email], connection=connection
    )
    message.attach_alternative(html, "text/html")
    return message
