"""Property-based tests of the API, generated from its own OpenAPI description (schemathesis).

Bounded: a few dozen generated requests per operation, in process (no network). Each response
must be one the description documents (status, content type, body schema), and no request may
cause a server error.
"""

from __future__ import annotations

import warnings

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance  # noqa: E402


def _app():
    from advisor.web.app import create_app
    from advisor.web.settings import Settings

    # the test client calls itself "testserver"; the Host check has its own tests
    return create_app(Settings(max_rows=20, allowed_hosts=None))


with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_api_answers_as_its_description_says(case):
    # Everything the description allows must be accepted. The reverse is not asked: the API also
    # accepts spellings a schema cannot list (any case, "是", "800万", an empty as_of).
    excluded = [negative_data_rejection]
    if case.operation.path == "/api/v1/batch" and case.media_type == "multipart/form-data":
        excluded.append(positive_data_acceptance)  # random bytes are rarely a client list
    case.call_and_validate(excluded_checks=excluded)
