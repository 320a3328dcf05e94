"""Fixtures of the staff lifecycle tests: invitation data and reading links from the outbox."""

import re

import pytest
from django.core import mail


def invite_data(kit, email="new.hire@acme.test", **extra):
    return {
        "email": email,
        "first_name": "Nia",
        "last_name": "Hire",
        "primary_location": kit.main,
        "role": kit.roles["front_desk"],
        **extra,
    }


LINK_RE = re.compile(r"/invite/([A-Za-z0-9_\-]+)/")


def link_tokens(to: str | None = None) -> list[str]:
    """Raw tokens of the invitation links sent (to one address), oldest first."""
    return [
        LINK_RE.search(m.body).group(1)
        for m in mail.outbox
        if to is None or to.lower() in [a.lower() for a in m.to]
    ]


def make_invited(acme, admin, capture, email="new.hire@acme.test"):
    """Invite a member through the action; `.raw` is the token of their emailed link."""
    from clinicorg.staff.actions import invite_staff

    with capture(execute=True):
        member = invite_staff(invite_data(acme, email=email), actor=admin)
    member.raw = link_tokens(member.email)[-1]
    return member


@pytest.fixture
def invited(acme, admin, django_capture_on_commit_callbacks):
    """A pending member invited by the admin; `.raw` is the token of their link."""
    return make_invited(acme, admin, django_capture_on_commit_callbacks)
