"""The password-reset email."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def password_reset_message(member, uid: str, token: str, connection=None):
    context = {
        "member": member,
        "organization": member.organization,
        "link": f"{settings.SITE_URL}/password/reset/{uid}/{token}/",
        "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        "site_url": settings.SITE_URL,
    }
    subject = render_to_string("security/email/password_reset_subject.txt", context)
    return EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("security/email/password_reset.txt", context),
        to=[member.email],
        connection=connection,
    )
