"""Logins against the app served on a real port: parallel guesses, lockout by name and address,
unknown names answered like known ones, the audit log kept short, logging out for good.

The server is werkzeug's threaded server in this process (one thread per request, as gunicorn
threads or the development server run them); clients connect from 127.0.0.1 and, to play
someone elsewhere, from 127.0.0.2.
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from tests.conftest import PASSWORD


@pytest.fixture
def served(app: Any) -> Iterator[int]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(10)


def _token(port: int, username: str, password: str, source: str = "127.0.0.1") -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
    try:
        body = json.dumps({"username": username, "password": password})
        connection.request("POST", "/api/v1/auth/token", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.fixture
def counted_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password hash checked by the app, real or dummy (the real function does the work)."""
    import wenping_sched.auth.operations as operations
    import wenping_sched.models.user as user_model

    checked: list[str] = []
    real = user_model.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        checked.append(password)
        return real(pwhash, password)

    monkeypatch.setattr(user_model, "check_password_hash", counting)
    monkeypatch.setattr(operations, "check_password_hash", counting, raising=False)
    return checked


def test_25_parallel_guesses_are_not_all_checked(app, served, make_user, counted_checks):
    name = make_user(username="zhangsan").username
    barrier = threading.Barrier(25)
    results: list[tuple[int, dict[str, Any]]] = []

    def guess(i: int) -> None:
        barrier.wait()
        results.append(_token(served, name, f"guess-{i:04d}"))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(25)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    statuses = sorted(status for status, _ in results)
    assert statuses == [401] * 5 + [429] * 20, statuses
    assert len(counted_checks) == 5  # the other twenty were refused before any password was checked
    throttled = next(body for status, body in results if status == 429)["error"]
    assert throttled["code"] == "too_many_requests" and "15分钟" in throttled["message"]

    # The right password from the same address waits for the window too ...
    assert _token(served, name, PASSWORD)[0] == 429
    # ... but nobody elsewhere locked the coordinator out: from another address it works.
    status, body = _token(served, name, PASSWORD, source="127.0.0.2")
    assert status == 200 and body["token"]


def test_unknown_and_known_names_are_answered_alike(app, served, make_user, counted_checks):
    make_user(username="lisi")
    known = [_token(served, "lisi", "wrong-pass-1", source="127.0.0.3") for _ in range(3)]
    unknown = [_token(served, "nobody-here", "wrong-pass-1", source="127.0.0.3") for _ in range(3)]
    assert {(s, b["error"]["message"]) for s, b in known} == {(s, b["error"]["message"]) for s, b in unknown}
    assert len(counted_checks) == 6  # an unknown name costs a hash check too
    # Locked the same way after five attempts, whether the name exists or not.
    for name in ("lisi", "nobody-here"):
        for _ in range(2):
            _token(served, name, "wrong-pass-1", source="127.0.0.3")
        status, body = _token(served, name, "wrong-pass-1", source="127.0.0.3")
        assert status == 429, (name, body)


def test_an_unknown_name_takes_as_long_as_a_known_one(app, make_user):
    from wenping_sched.auth.operations import AccountError, authenticate

    make_user(username="wangwu")

    def timed(name: str, address: str) -> float:
        started = time.perf_counter()
        with pytest.raises(AccountError):
            authenticate(name, "wrong-pass-1", address)
        return time.perf_counter() - started

    known = statistics.median(timed("wangwu", f"10.0.0.{i}") for i in range(4))
    unknown = statistics.median(timed("nobody", f"10.0.1.{i}") for i in range(4))
    # Without the dummy hash an unknown name answered in a small fraction of the time.
    assert unknown > 0.4 * known, (unknown, known)


def test_failed_logins_do_not_flood_the_audit_log(app, client, make_user):
    from wenping_sched.extensions import db
    from wenping_sched.models import AuditLog

    user = make_user(username="zhaoliu")

    def entries() -> int:
        stmt = select(func.count()).select_from(AuditLog).where(AuditLog.action.like("login%"))
        return int(db.session.scalar(stmt) or 0)

    before = entries()
    for _ in range(40):
        client.post("/api/v1/auth/token", json={"username": user.username, "password": "wrong-pass-1"})
    # The first failure, the lockout, the first refusal: not forty entries.
    assert entries() - before == 3
    before = entries()
    for i in range(100):
        client.post("/api/v1/auth/token", json={"username": f"guess{i}", "password": "wrong-pass-1"})
    # Guessing names from one address: thirty failures at most, then one refusal for the address.
    assert entries() - before <= 31


def test_logging_out_ends_the_session_for_a_copied_cookie_too(app, client, make_user, login):
    from wenping_sched.extensions import db
    from wenping_sched.models import AuditLog

    user = make_user()
    login(user)
    assert client.get("/").status_code == 200
    cookie = client.get_cookie("session")
    assert cookie is not None
    copy = app.test_client()
    copy.set_cookie("session", cookie.value)
    assert copy.get("/").status_code == 200  # the copy works while the session is open

    assert client.post("/logout").status_code == 302
    again = copy.get("/")
    assert again.status_code == 302 and "/login" in again.headers["Location"]
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "logout", AuditLog.user_id == user.id))


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",
        "//evil.example",
        "/\\evil.example",
        "/%5Cevil.example",
        "https://evil.example/",
        "/%0a/evil.example",
        " //evil.example",
        "javascript:alert(1)",
        "/%2F/evil.example",
    ],
)
def test_next_never_leaves_the_site(client, make_user, target):
    user = make_user()
    resp = client.post(f"/login?next={target}", data={"username": user.username, "password": PASSWORD})
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert "evil" not in location and "javascript" not in location and location.startswith("/")


def test_next_to_a_page_of_the_site_is_kept(client, make_user):
    user = make_user()
    resp = client.post("/login?next=/matters?stage=2", data={"username": user.username, "password": PASSWORD})
    assert resp.headers["Location"] == "/matters?stage=2"
