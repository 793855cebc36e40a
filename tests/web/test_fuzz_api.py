"""schemathesis against /api/v1/openapi.json: whatever it sends, no 5xx, and every error
has the contract's shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

PASSWORD = "fuzz-pass-2026"


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from wenping_sched import create_app
    from wenping_sched.auth.operations import create_user
    from wenping_sched.extensions import db
    from wenping_sched.seeding import ensure_reference_data

    tmp = tmp_path_factory.mktemp("fuzz")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'f.sqlite3'}",
            "INSTANCE_PATH": str(tmp),
            "SECRET_KEY": "fuzz",
            "MAIL_SERVER": None,
        }
    )
    with app.app_context():
        db.create_all()
        ensure_reference_data()
        create_user("fuzzer", PASSWORD, "coordinator", scope="city")
        db.session.commit()
        from wenping_sched.demo import load_demo_data

        load_demo_data()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def token(fuzz_app: Any) -> str:
    resp = fuzz_app.test_client().post(
        "/api/v1/auth/token", json={"username": "fuzzer", "password": PASSWORD}
    )
    return str(resp.get_json()["token"])


def test_no_input_gets_a_server_error(fuzz_app: Any, token: str) -> None:
    # schemathesis' pytest plugin does not run under pytest 9; its Python API does.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    headers = {"Authorization": f"Bearer {token}"}
    seen = []
    for result in schema.get_all_operations():
        operation = result.ok()
        seen.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: Any) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
            if response.status_code >= 400 and response.headers.get("Content-Type", "").startswith(
                "application/json"
            ):
                error = response.json()["error"]
                assert {"code", "message", "fields"} <= set(error), error

        check()
    assert len(seen) >= 10
