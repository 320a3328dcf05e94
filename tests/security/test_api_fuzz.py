"""schemathesis against the REST API with every check, positive and negative data, as an
administrator token and as a token limited to one location: no server error, and answers that
match the OpenAPI document.

Seeded and bounded so that a run takes a minute or two on two cores and finds the same things
twice. Valid-looking data may still be refused with 422: the API checks what a schema cannot say
(an NPI's check digit, a known time zone, a unique name), so 422 counts as an answer to data
that fits the schema.
"""

import os

import pytest

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Under pytest-xdist's --dist loadfile, schemathesis's per-operation tests collapse into one
    # test that runs none of them (a broken endpoint passed). `make test` and CI run this module
    # in a second pytest without xdist.
    pytest.skip(
        "the API fuzz runs without xdist: make test runs it in a pytest of its own",
        allow_module_level=True,
    )

import schemathesis  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402

MAX_EXAMPLES = 8

CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]
            }
        }
    }
)

# Loaded once at collection: the OpenAPI document needs no database.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=CONFIG
)

_current_token: dict[str, str] = {}


@schema.auth(refresh_interval=None)
class BearerFromFixture:
    """The token of the running test, sent as a client would (not generated)."""

    def get(self, case, context):
        return _current_token.get("raw", "")

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """schemathesis calls the WSGI app directly, whose request signals would close the database
    connection and with it the test's transaction; Django's own test client unhooks them too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _no_token_throttle(settings):
    # The fuzzer sends many wrong tokens on purpose; the throttle has tests of its own.
    settings.THROTTLE_BEARER_TOKENS = (10**9, 300)


@pytest.fixture
def admin_token(acme, admin):
    _current_token["raw"] = acme.token("administrator")


@pytest.fixture
def limited_token(acme, admin):
    acme.member("limited@acme.test", location=acme.branch)
    _current_token["raw"] = acme.token("administrator", locations=[acme.branch])


FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ
def test_api_as_administrator(case, admin_token):
    case.call_and_validate()


@schema.parametrize()
@FUZZ
def test_api_as_location_limited_token(case, limited_token):
    case.call_and_validate()
