"""A failed draw never wedges later draws, and no draw waits for a lock without end.

Each test runs on SQLite (the in-process lock) and on PostgreSQL (row locks) when configured.
The later draws run in threads of their own, as a server's requests do: the in-process lock is
reentrant within one thread, so only another thread can show it is still held.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from solver.instance import parse_panel_solution, parse_panels
from solver.validate import validate_panels

from .dates import clear_monday, window

WINDOW = window(clear_monday(weeks_ahead=2, weeks=1), 0, 4)
BODY = {"size": 2, "seats": {}, "min_senior": 0, "window": WINDOW, "duration_minutes": 120}
TIMEOUT = 2.0


@pytest.fixture
def setting(
    app: Any, make_user: Callable[..., Any], auth_headers: Any, expert_factory: Any, matter_factory: Any
) -> tuple[list[int], dict[str, str], int]:
    from wenping_sched.extensions import db

    for _ in range(4):
        expert_factory(pool="city", sectors=("法律",))
    matters = [matter_factory().id for _ in range(3)]
    user = make_user()
    headers = auth_headers(user)
    user_id = user.id
    app.config["DRAW_LOCK_TIMEOUT"] = TIMEOUT
    db.session.commit()
    db.session.remove()
    return matters, headers, user_id


def _in_thread(
    app: Any, call: Callable[[Any], Any], timeout: float = 30, linger: threading.Event | None = None
) -> tuple[Any, float]:
    """Run ``call(client)`` in a thread of its own with its own app context; (response, seconds).

    With ``linger`` the thread stays alive after answering until the event is set: a later thread
    then cannot be given the same thread id, which a reentrant lock would take for its owner."""
    out: dict[str, Any] = {}
    answered = threading.Event()

    def run() -> None:
        from wenping_sched.extensions import db

        with app.app_context():
            started = time.monotonic()
            out["response"] = call(app.test_client())
            out["seconds"] = time.monotonic() - started
            db.session.remove()
        answered.set()
        if linger is not None:
            linger.wait(60)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert answered.wait(timeout), "the request never answered: a lock is wedged"
    return out["response"], out["seconds"]


def _validated(app: Any, panel_id: int) -> None:
    from wenping_sched.extensions import db
    from wenping_sched.models import Panel

    with app.app_context():
        panel = db.session.get(Panel, panel_id)
        assert panel is not None
        for record in panel.draws:
            instance = parse_panels(record.instance)
            solution = parse_panel_solution(record.solution, instance.timezone)
            assert validate_panels(instance, solution) == []
        db.session.remove()


def test_a_draw_that_raises_halfway_does_not_wedge_the_next(app, setting, monkeypatch):
    from wenping_sched import locking

    matters, headers, _user = setting
    real_lock = locking.lock_pools

    def lock_then_fail(pools: Any) -> None:
        real_lock(pools)  # the lock is taken: from here on, the failure must give it back
        raise RuntimeError("the draw fails halfway")

    monkeypatch.setattr(locking, "lock_pools", lock_then_fail)
    first_thread_done = threading.Event()
    try:
        failed, _ = _in_thread(
            app,
            lambda c: c.post(f"/api/v1/matters/{matters[0]}/panels", json=BODY, headers=headers),
            linger=first_thread_done,
        )
        assert failed.status_code == 500
        assert "Traceback" not in failed.get_data(as_text=True) and failed.get_json()["error"]["message"]

        monkeypatch.setattr(locking, "lock_pools", real_lock)
        drawn, seconds = _in_thread(
            app, lambda c: c.post(f"/api/v1/matters/{matters[1]}/panels", json=BODY, headers=headers)
        )
    finally:
        first_thread_done.set()
    assert drawn.status_code == 201, drawn.get_json()
    assert seconds < TIMEOUT  # at once: it did not wait for a lock nobody will give back
    _validated(app, drawn.get_json()["id"])


def test_a_draw_that_cannot_have_the_lock_answers_503_in_time(app, setting, monkeypatch):
    from wenping_sched import locking

    matters, headers, user = setting
    real_lock = locking.lock_pools
    holding, release = threading.Event(), threading.Event()

    def lock_and_hold(pools: Any) -> None:
        real_lock(pools)
        if threading.current_thread().name == "holder":
            holding.set()
            release.wait(30)

    # A page that takes the lock: revealing a witnessed draw (committing one takes no lock).
    committed, _ = _in_thread(
        app, lambda c: c.post(f"/api/v1/matters/{matters[2]}/draws", json=BODY, headers=headers)
    )
    assert committed.status_code == 201, committed.get_json()
    draw_id = committed.get_json()["id"]
    monkeypatch.setattr(locking, "lock_pools", lock_and_hold)
    held: dict[str, Any] = {}

    def hold() -> None:
        from wenping_sched.extensions import db

        with app.app_context():
            held["response"] = app.test_client().post(
                f"/api/v1/matters/{matters[0]}/panels", json=BODY, headers=headers
            )
            db.session.remove()

    holder = threading.Thread(target=hold, name="holder")
    holder.start()
    try:
        assert holding.wait(30)
        busy, seconds = _in_thread(
            app, lambda c: c.post(f"/api/v1/matters/{matters[1]}/panels", json=BODY, headers=headers)
        )
        assert busy.status_code == 503
        error = busy.get_json()["error"]
        assert error["code"] == "unavailable" and "稍后重试" in error["message"] and "fields" in error
        assert busy.headers["Retry-After"] == "5"
        assert TIMEOUT * 0.9 <= seconds < TIMEOUT + 5  # it waited the bounded time, no longer

        # A page answers with the same message, on a page.
        from wenping_sched.auth.operations import open_session

        def page(client: Any) -> Any:
            from wenping_sched.extensions import db
            from wenping_sched.models import User

            with client.session_transaction() as session:
                session["_user_id"] = str(user)
                session["_sid"] = open_session(db.session.get(User, user))
            db.session.commit()
            return client.post(
                f"/draws/{draw_id}/reveal", data={"witness": "王监督", "witness_input": "4711"}
            )

        shown, _ = _in_thread(app, page)
        assert shown.status_code == 503 and shown.mimetype == "text/html"
        assert "稍后重试" in shown.get_data(as_text=True)
    finally:
        release.set()
        holder.join(30)
    assert held["response"].status_code == 201  # the holder's own draw went through
    monkeypatch.setattr(locking, "lock_pools", real_lock)
    after, seconds = _in_thread(
        app, lambda c: c.post(f"/api/v1/matters/{matters[1]}/panels", json=BODY, headers=headers)
    )
    assert after.status_code == 201 and seconds < TIMEOUT
