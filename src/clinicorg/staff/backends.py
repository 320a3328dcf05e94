"""Email-and-password sign-in that admits only members whose status allows it."""

from django.contrib.auth.backends import ModelBackend


class StaffBackend(ModelBackend):
    # ModelBackend.get_user() calls this on every request, so a member deactivated or
    # suspended mid-session is signed out on their next request.
    def user_can_authenticate(self, user) -> bool:
        return bool(getattr(user, "is_active", False))
