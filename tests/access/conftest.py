"""Fixtures of the access area: scoped administrators, tokens limited to locations."""

import pytest

from clinicorg.access.actions import create_role
from tests.conftest import ApiClient


@pytest.fixture
def nobody_role(acme):
    """A custom role with no permission at all."""
    return create_role("Nothing", [], actor=acme.system)


@pytest.fixture
def branch_admin(acme):
    """An Administrator whose access is limited to the Branch location."""
    return acme.member("branch-admin@acme.test", location=acme.branch)


@pytest.fixture
def integrator(acme):
    """A token holding only administration.manage_integrations, at every location."""
    role = create_role("Integrator", ["administration.manage_integrations"], actor=acme.system)
    return ApiClient(acme.token(role))
