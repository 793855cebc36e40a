"""Accounts: creating logins, checking passwords, issuing and checking API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Table, case, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from ..extensions import db
from ..models import COUNTIES, ROLES, Department, Expert, LoginSession, LoginThrottle, User, utcnow
from ..models.pool import CITY
from ..validation import text_problem

MAX_FAILED_LOGINS = 5  # per name and address, in a window of LOCKOUT
MAX_FAILURES_PER_ADDRESS = 30  # per address whatever the name: guessing many names is bounded too
LOCKOUT = timedelta(minutes=15)
# A login session ends after this long whatever happens (the cookie also expires after 30 idle minutes).
SESSION_MAX_AGE = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    """A login that cannot be created or used; the message is for a person."""


def password_problem(password: str) -> str | None:
    """The password policy: at least 8 characters with letters and digits."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("密码至少需要 %(n)d 位", n=MIN_PASSWORD_LENGTH)
    if not any(c.isdigit() for c in password) or not any(c.isalpha() for c in password):
        return _("密码必须同时包含字母和数字")
    return None


def create_user(
    username: str,
    password: str,
    role: str,
    scope: str | None = None,
    expert_id: int | None = None,
    department_id: int | None = None,
    display_name: str = "",
    unit: str = "",
) -> User:
    """Create a login after checking role, scope and links; raises AccountError.

    ``display_name`` and ``unit`` are how pages name the person ("李文华", "酒泉市维稳办").
    """
    username = username.strip()
    if not username:
        raise AccountError(_("用户名不能为空"))
    problem = text_problem(username)
    if problem or len(username) > 64:
        raise AccountError(_("用户名%(p)s", p=problem or _("不能超过 64 个字符")))
    if role not in ROLES:
        raise AccountError(_("角色必须是 coordinator、expert 或 department"))
    if db.session.scalar(select(User).where(User.username == username)):
        raise AccountError(_("用户名 %(name)s 已存在", name=username))
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    if role == "coordinator":
        scope = scope or CITY
        if scope not in (CITY, *COUNTIES):
            raise AccountError(_("范围必须是 city 或以下县区之一：%(c)s", c="、".join(COUNTIES)))
    else:
        scope = None
    display_name, unit = display_name.strip(), unit.strip()
    if len(display_name) > 64 or len(unit) > 128:
        raise AccountError(_("姓名最多64个字，单位最多128个字"))
    if role == "expert" and (expert_id is None or db.session.get(Expert, expert_id) is None):
        raise AccountError(_("专家账号需要有效的 --expert-id"))
    if role == "department" and (department_id is None or db.session.get(Department, department_id) is None):
        raise AccountError(_("部门账号需要有效的 --department-id"))
    user = User(
        username=username,
        role=role,
        scope=scope,
        expert_id=expert_id if role == "expert" else None,
        department_id=department_id if role == "department" else None,
        display_name=display_name,
        unit=unit,
        token_version=0,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", None, target=f"user:{user.id}", username=username, role=role, scope=scope)
    return user


class Throttled(AccountError):
    """Too many attempts from this address (for this name, or for any): nothing was checked."""


def _norm(username: str) -> str:
    return username.strip().lower()[:64]


def _upsert(key: str, now: datetime) -> None:
    """Make sure the throttle row exists (two first attempts at once: one insert wins)."""
    dialect = db.session.get_bind().dialect.name
    table = cast(Table, LoginThrottle.__table__)
    values = {"key": key, "attempts": 0, "refused": 0, "window_start": now}
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        db.session.execute(pg_insert(table).values(values).on_conflict_do_nothing(index_elements=["key"]))
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        db.session.execute(sqlite_insert(table).values(values).on_conflict_do_nothing(index_elements=["key"]))


def _renewed(now: datetime) -> Any:
    """SQL true when the row's window is over (its counts start again)."""
    return LoginThrottle.window_start < now - LOCKOUT


def _claim(key: str, limit: int, now: datetime) -> bool:
    """Take one attempt of ``key``'s allowance, atomically; False when it is used up."""
    _upsert(key, now)
    stale = _renewed(now)
    result = db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, or_(LoginThrottle.attempts < limit, stale))
        .values(
            attempts=case((stale, 1), else_=LoginThrottle.attempts + 1),
            refused=case((stale, 0), else_=LoginThrottle.refused),
            window_start=case((stale, now), else_=LoginThrottle.window_start),
        )
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def _first_refusal(key: str) -> bool:
    """Count a refused attempt; True for the first of the window (the one worth auditing)."""
    result = db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.refused == 0)
        .values(refused=1)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def _address_blocked(key: str, now: datetime) -> bool:
    count = db.session.scalar(
        select(LoginThrottle.attempts).where(
            LoginThrottle.key == key, LoginThrottle.window_start >= now - LOCKOUT
        )
    )
    return (count or 0) >= MAX_FAILURES_PER_ADDRESS


def _count_failure(key: str, now: datetime) -> None:
    _upsert(key, now)
    stale = _renewed(now)
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key)
        .values(
            attempts=case((stale, 1), else_=LoginThrottle.attempts + 1),
            refused=case((stale, 0), else_=LoginThrottle.refused),
            window_start=case((stale, now), else_=LoginThrottle.window_start),
        )
        .execution_options(synchronize_session=False)
    )


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        # The same method as real hashes: checking an unknown name costs what checking a known one does.
        _DUMMY_HASH = generate_password_hash(secrets.token_hex(16))
    return _DUMMY_HASH


_DUMMY_HASH: str | None = None


def authenticate(username: str, password: str, address: str = "") -> User:
    """The user with this password; raises AccountError (Throttled when over the allowance).

    Attempts are counted per (name as typed, address) and failures per address, so nobody can
    lock a coordinator out from elsewhere, and parallel guesses cannot all be checked: each
    claims its attempt with a conditional UPDATE, committed before the password is checked. A
    name that does not exist is answered like one that does, in the same time. The audit log
    gets the first failure and the first refusal of each window, not every attempt.
    """
    now = utcnow()
    account_key = f"a:{_norm(username)}|{address}"[:200]
    address_key = f"i:{address}"[:200]
    address_blocked = _address_blocked(address_key, now)
    if address_blocked or not _claim(account_key, MAX_FAILED_LOGINS, now):
        # On the record once per window: for the address when it guessed too often, else the name.
        if _first_refusal(address_key if address_blocked else account_key):
            target = f"address:{address}" if address_blocked else f"username:{_norm(username)}"
            audit.record("login.throttled", None, target=target[:128])
        db.session.commit()
        raise Throttled(_("登录尝试次数过多，请15分钟后再试"))
    attempt = db.session.scalar(select(LoginThrottle.attempts).where(LoginThrottle.key == account_key))
    db.session.commit()  # the claim stands before any password is checked

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        ok = False
    else:
        ok = user.check_password(password) and bool(user.active)
    if not ok:
        _count_failure(address_key, now)
        if attempt == 1:
            audit.record("login.failed", user, target=f"username:{_norm(username)}")
        elif attempt == MAX_FAILED_LOGINS:
            audit.record("login.locked", user, target=f"username:{_norm(username)}", attempts=attempt)
        db.session.commit()
        raise AccountError(_("用户名或密码错误"))
    assert user is not None
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == account_key)
        .values(attempts=0, refused=0)
        .execution_options(synchronize_session=False)
    )
    audit.record("login", user)
    db.session.commit()
    return user


# --- sessions ------------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(user: User, address: str = "") -> str:
    """Start a server-side login session; returns the token the session cookie carries."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=_hash(token), user_id=user.id, ip=address[:64]))
    return token


def session_user(user_id: str, token: str | None) -> User | None:
    """The active user of a live session: the cookie's token names an open session of that user."""
    if not token or not user_id.isdigit():
        return None
    cutoff = utcnow() - SESSION_MAX_AGE
    return db.session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == int(user_id),
            LoginSession.token_hash == _hash(token),
            LoginSession.ended_at.is_(None),
            LoginSession.created_at > cutoff,
        )
    )


def close_session(user: User | None, token: str | None) -> None:
    """End the session for good: the cookie, even copied, opens nothing any more."""
    if token:
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == _hash(token), LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    audit.record("logout", user)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="api-token")


def issue_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "v": user.token_version})


def user_for_token(token: str) -> User | None:
    """The active user a token names, or None when it is forged, expired or revoked."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["API_TOKEN_MAX_AGE"])
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or not user.active or user.token_version != data.get("v"):
        return None
    return user
