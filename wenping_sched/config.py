"""Configuration from WENPING_* environment variables, each with a working default."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _port(value: str | None, default: int) -> int:
    if not value:
        return default
    if not value.strip().isdigit() or not 0 < int(value) < 65536:
        raise ValueError(f"WENPING_MAIL_PORT 必须是 1–65535 之间的端口号，现在是「{value}」")
    return int(value)


def _secret_key(instance_path: Path) -> str:
    """The secret key: from the environment, or generated once and kept in the instance folder."""
    env = os.environ.get("WENPING_SECRET_KEY")
    if env:
        return env
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Written with owner-only permissions: the key signs sessions and RSVP links.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def from_environment(instance_path: Path) -> dict[str, Any]:
    """Read the configuration at app creation time (never at import time)."""
    env = os.environ.get
    database_url = env("WENPING_DATABASE_URL")
    if not database_url:
        # The default database lives in the instance folder: make it, even when the key comes
        # from the environment and nothing else would.
        instance_path.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{instance_path / 'wenping.sqlite3'}"
    mail_server = env("WENPING_MAIL_SERVER") or None
    base_url = (env("WENPING_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _normalise_db_url(database_url),
        "BASE_URL": base_url,
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": _port(env("WENPING_MAIL_PORT"), 25),
        "MAIL_USERNAME": env("WENPING_MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env("WENPING_MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(env("WENPING_MAIL_USE_TLS")),
        "MAIL_DEFAULT_SENDER": env("WENPING_MAIL_SENDER") or "wenping@jiuquan.gov.cn",
        "QUEUE_URL": env("WENPING_QUEUE_URL") or None,
        # Behind a reverse proxy (nginx) that terminates HTTPS: trust one hop of X-Forwarded-*.
        "PROXY_FIX": _bool(env("WENPING_PROXY_FIX")),
        "TIMEZONE": "Asia/Shanghai",
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        # Over HTTPS the cookies never travel in clear; an idle session ends after 30 minutes.
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        "REMEMBER_COOKIE_SECURE": base_url.startswith("https://"),
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=30),
        "SESSION_COOKIE_SAMESITE": "Lax",
        "API_TOKEN_MAX_AGE": 12 * 3600,
        # APIFlask / OpenAPI
        "INFO": {"description": "稳评专家库与联席会议排程服务 HTTP API (version 1)"},
        "VALIDATION_ERROR_STATUS_CODE": 422,
        "SYNC_LOCAL_SPEC": False,
    }


def _normalise_db_url(url: str) -> str:
    # psycopg 3 is the driver we install; plain postgresql:// URLs would ask for psycopg2.
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://") :]
    return url
