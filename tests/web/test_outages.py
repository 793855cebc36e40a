"""The database going away mid-request fails cleanly (503, nothing half-done), the next request
works, and queued mail survives a database and a mail-server outage to go out exactly once.

The PostgreSQL tests cut the app's connections for real: ``pg_terminate_backend`` from a
separate connection, in the middle of a request's transaction. A request-body limit test
closes the file.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import g

from tests.web.dates import clear_monday, window
from tests.web.smtp_helpers import SMTPServer

PG_URL = os.environ.get("WENPING_TEST_DATABASE_URL")
PASSWORD = "outage-pass-2026"


def _window(weeks_ahead: int) -> list[str]:
    # A week without a public holiday: the test expects the panels it draws to fit.
    return window(clear_monday(weeks_ahead=weeks_ahead, weeks=1), 0, 4)


@pytest.fixture
def pg_app(tmp_path: Any) -> Iterator[tuple[Any, Callable[[], int]]]:
    """The app on PostgreSQL, its connections named so that only they are cut."""
    if not PG_URL:
        pytest.skip("needs WENPING_TEST_DATABASE_URL")
    import psycopg

    from wenping_sched import create_app
    from wenping_sched.config import _normalise_db_url
    from wenping_sched.extensions import db
    from wenping_sched.seeding import ensure_reference_data

    name = f"wenping-outage-{uuid.uuid4().hex[:12]}"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": PG_URL,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "connect_args": {"application_name": name}},
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "outage",
            "WTF_CSRF_ENABLED": False,
            "MAIL_SERVER": None,
            "OUTBOX_AUTODELIVER": False,
            "PLAN_AUTOSTART": False,
        }
    )
    dsn = _normalise_db_url(PG_URL).replace("postgresql+psycopg://", "postgresql://")

    def cut() -> int:
        """Terminate every backend of this app, as a database restart or fail-over would."""
        with psycopg.connect(dsn, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", (name,)
            ).fetchall()
        return len(rows)

    with app.app_context():
        db.drop_all()
        db.create_all()
        ensure_reference_data()
        db.session.commit()
        yield app, cut
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _setup(app: Any, panels: int) -> tuple[dict[str, str], list[int], int]:
    """A city coordinator, five lawyers and ``panels`` proposed panels (in different weeks)."""
    from wenping_sched.auth.operations import create_user, issue_token
    from wenping_sched.extensions import db
    from wenping_sched.models import Expert, Matter, Pool, Sector

    city_pool = db.session.scalar(db.select(Pool).where(Pool.code == "city"))
    law = db.session.scalar(db.select(Sector).where(Sector.name == "法律"))
    for i in range(5):
        db.session.add(
            Expert(
                name=f"律师{i}",
                pool=city_pool,
                employer=f"律所{i}",
                sectors=[law],
                senior=True,
                interests=[],
                phone=f"1390000{i:04d}",
                email=f"lawyer{i}@example.cn",
                prior_load=0,
                active=True,
            )
        )
    user = create_user("outage", PASSWORD, "coordinator", scope="city")
    matter = Matter(
        title="停电测试事项",
        category="城市建设",
        county=None,
        responsible_department="市住建局",
        related_organisations=[],
        stage=1,
    )
    db.session.add(matter)
    db.session.commit()
    headers = {"Authorization": f"Bearer {issue_token(user)}"}
    client = app.test_client()
    ids = []
    for week in range(panels):
        resp = client.post(
            f"/api/v1/matters/{matter.id}/panels",
            headers=headers,
            json={
                "size": 2,
                "seats": {"法律": 1},
                "min_senior": 0,
                "window": _window(3 + week),
                "duration_minutes": 120,
            },
        )
        assert resp.status_code == 201, resp.get_json()
        ids.append(resp.get_json()["id"])
    return headers, ids, user.id


def _cut_during(monkeypatch: pytest.MonkeyPatch, cut: Callable[[], int]) -> list[int]:
    """Cut the connections while the confirmation is half-way: the panel changed, the mail not yet written."""
    from wenping_sched.invitations import notifications
    from wenping_sched.panels import operations

    cuts: list[int] = []
    real = notifications.notify_panel_invited

    def cutting(*args: Any, **kwargs: Any) -> Any:
        cuts.append(cut())
        return real(*args, **kwargs)

    monkeypatch.setattr(operations.notifications, "notify_panel_invited", cutting)
    return cuts


def _state(app: Any, panel_id: int) -> tuple[str, int, int]:
    """The panel's status, its outbox rows and its confirmation audit entries, read afresh."""
    from wenping_sched.extensions import db
    from wenping_sched.models import AuditLog, Panel
    from wenping_sched.models.outbox import OutboxMessage

    db.session.remove()
    panel = db.session.get(Panel, panel_id)
    assert panel is not None
    rows = db.session.scalar(
        db.select(db.func.count()).select_from(OutboxMessage).where(OutboxMessage.panel_id == panel_id)
    )
    audits = db.session.scalar(
        db.select(db.func.count())
        .select_from(AuditLog)
        .where(AuditLog.action == "panel.confirm", AuditLog.target == f"panel:{panel_id}")
    )
    return panel.status, int(rows or 0), int(audits or 0)


def test_database_cut_mid_request_fails_cleanly_and_recovers(pg_app, monkeypatch):
    app, cut = pg_app
    from wenping_sched.auth.operations import open_session
    from wenping_sched.extensions import db
    from wenping_sched.models import User

    headers, (api_panel, page_panel), user = _setup(app, 2)
    sid = open_session(db.session.get(User, user))  # the page's login session, as /login opens it
    db.session.commit()
    cuts = _cut_during(monkeypatch, cut)
    client = app.test_client()

    resp = client.post(f"/api/v1/panels/{api_panel}/confirm", headers=headers)
    assert cuts and cuts[0] >= 1  # the app's connection really was terminated
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["error"]["code"] == "unavailable" and body["error"]["message"] and "fields" in body["error"]
    assert "Traceback" not in resp.get_data(as_text=True)
    assert _state(app, api_panel) == ("proposed", 0, 0)  # nothing half-done

    # The test's app context is shared with its requests; a real request starts with a fresh ``g``.
    g.pop("_login_user", None)
    with client.session_transaction() as session:
        session["_user_id"] = str(user)
        session["_sid"] = sid
        session["_fresh"] = True
    page = client.post(f"/panels/{page_panel}/confirm")
    assert page.status_code == 503 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "服务暂时不可用" in text and "Traceback" not in text and "OperationalError" not in text
    assert _state(app, page_panel) == ("proposed", 0, 0)

    monkeypatch.undo()
    # The pool's other connections died too; pre-ping replaces them and the next requests work.
    assert client.get(f"/api/v1/panels/{api_panel}", headers=headers).status_code == 200
    again = client.post(f"/api/v1/panels/{api_panel}/confirm", headers=headers)
    assert again.status_code == 200 and again.get_json()["status"] == "inviting"
    status, rows, audits = _state(app, api_panel)
    assert (status, audits) == ("inviting", 1) and rows == 2


def test_queued_mail_survives_a_database_and_a_mail_outage(pg_app, monkeypatch):
    from wenping_sched.extensions import db
    from wenping_sched.invitations import outbox
    from wenping_sched.models.outbox import OutboxMessage
    from wenping_sched.models.types import utcnow

    app, cut = pg_app
    smtp = SMTPServer()
    app.config.update(MAIL_SERVER=smtp.host, MAIL_PORT=smtp.port, MAIL_TIMEOUT=5)
    headers, (first, second), _user = _setup(app, 2)
    client = app.test_client()

    # 1. The mail server is down: the first panel's invitations wait in the outbox.
    assert client.post(f"/api/v1/panels/{first}/confirm", headers=headers).status_code == 200
    report = outbox.deliver_all()
    assert report.deferred and not report.sent
    # 2. The database goes away in the middle of the second confirmation: a clean 503.
    cuts = _cut_during(monkeypatch, cut)
    assert client.post(f"/api/v1/panels/{second}/confirm", headers=headers).status_code == 503
    assert cuts and _state(app, second) == ("proposed", 0, 0)
    monkeypatch.undo()
    # 3. And again while nothing runs: every pooled connection is dead when the sender wakes.
    db.session.remove()
    cut()
    queued = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.status == "queued")).all()
    assert len(queued) == 2 and all(m.attempts == 1 for m in queued)

    # 4. Both come back: the queued mail goes out once, the second panel can be confirmed and mailed.
    smtp.start()
    try:
        later = utcnow() + timedelta(hours=2)
        assert len(outbox.deliver_all(now=later).sent) == 2
        assert client.post(f"/api/v1/panels/{second}/confirm", headers=headers).status_code == 200
        assert len(outbox.deliver_all(now=later).sent) == 2
        assert outbox.deliver_all(now=later + timedelta(days=1)).claimed == 0
    finally:
        smtp.stop()
    db.session.remove()
    rows = db.session.scalars(db.select(OutboxMessage)).all()
    assert len(rows) == 4 and {m.status for m in rows} == {"sent"}
    ids = Counter(r.message["Message-ID"] for r in smtp.received)
    assert len(smtp.received) == 4 and set(ids.values()) == {1}
    assert set(ids) == {m.message_id for m in rows}


def test_a_body_over_the_limit_is_413_with_the_error_shape(app, client, make_user, auth_headers):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    headers = auth_headers(make_user())
    big = [
        {
            "matter_id": 1,
            "size": 1,
            "window": _window(2),
            "duration_minutes": 60,
            "padding": "x" * 2000,
        }
    ]
    resp = client.post("/api/v1/plans", json=big, headers=headers)
    assert resp.status_code == 413
    error = resp.get_json()["error"]
    assert error["code"] == "too_large" and error["message"] and error["fields"] == {}
