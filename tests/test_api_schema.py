"""schemathesis against /openapi.json: generated requests to every API operation, never a
5xx. The examples are derandomized (the same ones each run, so a failure reproduces) and
bounded (EXAMPLES per operation). Admin operations run with the token, on a copy of the
database; re-scoring (POST /api/admin/score) is left out: one call re-embeds the corpus."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from conftest import AS_OF, copy_database
from paperscope.web import create_app

TOKEN = "schema-test-token"
EXAMPLES = 150


@pytest.fixture(scope="module")
def api_schema(web_db, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("schema")
    copy = copy_database(web_db, tmp)  # the admin operations write
    app = create_app(copy, as_of=AS_OF, admin_token=TOKEN)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_no_generated_request_makes_the_server_fail(api_schema) -> None:  # type: ignore[no-untyped-def]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    tested = []
    for operation in operations:
        if operation.path == "/api/admin/score":
            continue
        headers = {"Authorization": f"Bearer {TOKEN}"} if operation.path.startswith("/api/admin") else None

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None,
                  suppress_health_check=list(HealthCheck), database=None)
        def run(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=[not_a_server_error])  # noqa: B023 - run() runs at once

        run()
        tested.append(f"{operation.method.upper()} {operation.path}")
    assert {"GET /api/feed", "GET /api/search", "GET /api/papers/{identifier}",
            "GET /api/researchers/{researcher_id}", "POST /api/admin/researchers/merge"} <= set(tested)
