"""The sign-in lockout as an authentication backend (django-axes), first in the list."""

from axes.backends import AxesStandaloneBackend


class SignInLockout(AxesStandaloneBackend):
    """Refuses sign-in while the account or the address is locked out. A sign-in without a
    request (code, a test client's `login`) comes from no address and is not counted."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
