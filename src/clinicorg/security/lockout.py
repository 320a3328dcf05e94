"""Sign-in lockout (django-axes): whether an account is locked, and its audit event."""

from axes.helpers import get_cache, make_cache_key_list
from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver


def is_locked(member) -> bool:
    """True while too many wrong passwords were tried for the member's email."""
    (key,) = make_cache_key_list([{"username": member.email}])
    return get_cache().get(key, 0) >= settings.AXES_FAILURE_LIMIT


@receiver(user_locked_out)
def _audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    from clinicorg.staff.models import StaffMember

    from .actions import record_lockout

    member = StaffMember.objects.filter(email__iexact=username or "").first()
    if member is not None:  # an unknown email has no organization to record it in
        record_lockout(member, ip_address)
