"""Invitation emails: text and HTML, naming the organization and the inviter.

Sent through Django's email backend (files in the data folder by default, SMTP with
EMAIL_URL) by the outbox (`staff.outbox`), never inside a transaction that could still roll
back.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Invitation


def invitation_link(raw_token: str) -> str:
    return f"{settings.SITE_URL}/invite/{raw_token}/"


def invitation_message(invitation: Invitation, raw_token: str, connection=None):
    member = invitation.staff
    org = member.organization
    inviter = invitation.sent_by
    context = {
        "member": member,
        "organization": org,
        "inviter_name": inviter.full_name if inviter else "",
        "inviter_email": inviter.email if inviter else "",
        "link": invitation_link(raw_token),
        "expires_at": invitation.expires_at,
        "site_url": settings.SITE_URL,
    }
    # Times read in the organization's zone, named ("e"), as on its pages.
    with timezone.override(org.timezone):
        subject = render_to_string("staff/email/invitation_subject.txt", context).strip()
        text = render_to_string("staff/email/invitation.txt", context)
        html = render_to_string("staff/email/invitation.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        to=[member.email],
        connection=connection,
        reply_to=[inviter.email] if inviter else None,
    )
    message.attach_alternative(html, "text/html")
    return message
