"""What the security module keeps: the open sessions of each member, so that they can be ended
at once (deactivation, suspension) whatever the session store is."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class MemberSession(models.Model):
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    signed_in_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["member"], name="member_session_member")]

    def __str__(self) -> str:
        return f"session of member {self.member_id} since {self.signed_in_at:%Y-%m-%d %H:%M}"
