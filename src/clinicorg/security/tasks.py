"""Background work of the security module: the password-reset email, sent after the request's
transaction commits (on a Celery worker with REDIS_URL, inline otherwise)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from clinicorg.celery import app
from clinicorg.core.delivery import send_or_retry


def send_password_reset(member_id: int, uid: str, token: str) -> int:
    from clinicorg.staff.models import StaffMember

    member = StaffMember.objects.select_related("organization").filter(pk=member_id).first()
    if member is None:
        return 0
    context = {
        "member": member,
        "organization": member.organization,
        "link": f"{settings.SITE_URL}/password/reset/{uid}/{token}/",
        "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        "site_url": settings.SITE_URL,
    }
    subject = render_to_string("security/email/password_reset_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("security/email/password_reset.txt", context),
        to=[member.email],
    )
    return message.send()


@app.task(bind=True, name="security.send_password_reset_email", max_retries=5)
def send_password_reset_email(self, member_id: int, uid: str, token: str) -> int:
    return send_or_retry(
        self,
        send_password_reset,
        member_id,
        uid,
        token,
        unsent="Password reset email not sent; the member can ask again.",
    )
