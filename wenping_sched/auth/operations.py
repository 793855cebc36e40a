"""Accounts: creating logins, checking passwords, issuing and checking API tokens."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import COUNTIES, ROLES, Department, Expert, User, utcnow
from ..models.pool import CITY

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
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


def authenticate(username: str, password: str) -> User:
    """The user with this password, with lockout after repeated failures; raises AccountError."""
    user = db.session.scalar(select(User).where(User.username == username))
    now = utcnow()
    if user is None:
        audit.record("login.failed", None, target=f"username:{username}")
        db.session.commit()
        raise AccountError(_("用户名或密码错误"))
    if user.locked_until is not None and user.locked_until > now:
        audit.record("login.locked", user)
        db.session.commit()
        raise AccountError(_("登录失败次数过多，账号已锁定，请15分钟后再试"))
    if not user.active or not user.check_password(password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        audit.record("login.failed", user)
        db.session.commit()
        raise AccountError(_("用户名或密码错误"))
    user.failed_logins = 0
    user.locked_until = None
    audit.record("login", user)
    db.session.commit()
    return user


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
