"""The audit log: written with the change it records, and append-only in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DatabaseError

from wenping_sched.extensions import db
from wenping_sched.models import AuditLog


def test_logins_and_failures_are_audited(client, make_user):
    user = make_user()
    client.post("/login", data={"username": user.username, "password": "wrong-0000"})
    client.post("/login", data={"username": user.username, "password": "test-pass-2026"})
    actions = list(
        db.session.scalars(select(AuditLog.action).where(AuditLog.user_id == user.id).order_by(AuditLog.id))
    )
    assert actions == ["login.failed", "login"]
    assert (
        db.session.scalar(select(AuditLog.action).where(AuditLog.target == f"user:{user.id}"))
        == "user.create"
    )


@pytest.mark.parametrize("statement", [update(AuditLog).values(action="tampered"), delete(AuditLog)])
def test_the_database_refuses_to_change_the_audit_log(make_user, statement):
    make_user()
    with pytest.raises(DatabaseError):
        db.session.execute(statement)
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(AuditLog.action)) == "user.create"


def test_five_failures_lock_the_account(client, make_user):
    user = make_user()
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"username": user.username, "password": "wrong-0000"})
    resp = client.post("/api/v1/auth/token", json={"username": user.username, "password": "test-pass-2026"})
    assert resp.status_code == 429 and "尝试次数过多" in resp.get_json()["error"]["message"]


def test_denials_are_audited(client, make_user, auth_headers, expert_factory):
    expert = expert_factory()
    user = make_user(role="expert", expert_id=expert.id)
    assert client.get("/api/v1/experts", headers=auth_headers(user)).status_code == 403
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "access.denied")).one()
    assert entry.user_id == user.id and entry.target == "GET /api/v1/experts"


def test_sessions_expire_and_cookies_are_secure_over_https(app, client, make_user, login):
    login(make_user())
    assert app.permanent_session_lifetime.total_seconds() == 30 * 60
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.expires is not None and cookie.http_only
    from wenping_sched import create_app

    https = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "INSTANCE_PATH": app.instance_path,
            "SECRET_KEY": "x",
            "BASE_URL": "https://wenping.example.cn",
        }
    )
    assert https.config["SESSION_COOKIE_SECURE"] is False  # config overrides come after the environment
