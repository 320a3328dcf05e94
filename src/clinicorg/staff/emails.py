"""Invitation emails: text and HTML, naming the organization and the inviter.

Sent through Django's email backend (files in the data folder by default, SMTP with
EMAIL_URL). Called by `staff.tasks`, never inside a transaction that could still roll back.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
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


def send_invitations(jobs) -> int:
    """Send the invitation emails of (invitation id, raw token) pairs that are still open.

    One connection for the whole batch; marks `sent_at` of each one sent. Returns how many.
    """
    tokens = {int(pk): raw for pk, raw in jobs}
    invitations = list(
        Invitation.objects.filter(
            pk__in=tokens,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            superseded_at__isnull=True,
            sent_at__isnull=True,
        ).select_related("staff", "staff__organization", "sent_by")
    )
    if not invitations:
        return 0
    sent_ids = []
    connection = get_connection()
    try:
        with connection:
            for inv in invitations:
                invitation_message(inv, tokens[inv.pk], connection).send()
                sent_ids.append(inv.pk)
    finally:
        # Mark what went out even when a later message fails, so a retry sends only the rest.
        if sent_ids:
            Invitation.objects.filter(pk__in=sent_ids).update(sent_at=timezone.now())
    return len(sent_ids)
