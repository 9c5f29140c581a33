"""Property-based: schemathesis generates calls from the OpenAPI document and checks the
answers (no server errors, documented statuses, bodies and headers as described)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tracker.models import Role

EXAMPLES = 15


def test_every_operation_answers_as_documented(app, make):
    agent = make.agent()
    person = make.requester(unit=make.unit("Finance", brm=make.user(roles=(Role.BRM,))))
    make.request(person)
    headers = {"Authorization": f"Bearer {make.api_token(agent)}"}
    app.config["RAPPORT_API_RATE_LIMIT"], limit = "100000/minute", app.config[
        "RAPPORT_API_RATE_LIMIT"]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    try:
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def answers_as_documented(case):
                # A schema-valid call may still be refused with 422 and its reasons: the
                # cursor must be one we gave out, text may hold no control characters, a
                # category must exist, a PATCH must change something. JSON Schema can't say
                # all of that, so "schema-valid means accepted" is not checked.
                case.call_and_validate(headers=headers,
                                       excluded_checks=[positive_data_acceptance])

            answers_as_documented()
    finally:
        app.config["RAPPORT_API_RATE_LIMIT"] = limit
