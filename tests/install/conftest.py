"""Fixtures for installing the project as a city's IT staff would: a wheel built from a clean copy
of the source tree, installed into a fresh virtual environment outside the clone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What a developer's tree holds besides the source: never part of a build.
LOCAL_ONLY = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "*.pyc",
    ".*_cache",
    ".hypothesis",
    "instance",
    "test-artifacts",
    "node_modules",
)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built the way the README says (`pip wheel`), from a copy of the tree.

    Building in a copy keeps the developer's tree clean and keeps stale files of an earlier
    in-tree build (build/, *.egg-info) out of what is checked.
    """
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=LOCAL_ONLY)
    out = work / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("wenping_sched-*.whl")
    return built


def wheel_names(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist())


BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("WENPING_TEST_DATABASE_URL") else [])


def _wipe(db: Any) -> None:
    """Drop every table, the migrations' record and the audit log's trigger function."""
    from sqlalchemy import MetaData

    with db.engine.begin() as conn:
        reflected = MetaData()
        reflected.reflect(conn)
        reflected.drop_all(conn)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("DROP FUNCTION IF EXISTS audit_log_append_only() CASCADE")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'deployed.sqlite3'}"
    return os.environ["WENPING_TEST_DATABASE_URL"]


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Apps on one empty database (wiped before and after): ``make_app(migrate=True, **config)``."""
    from wenping_sched import create_app
    from wenping_sched.cli import main
    from wenping_sched.extensions import db

    built: list[Any] = []

    def make(migrate: bool = True, **config: Any) -> Any:
        app = create_app(
            {
                "TESTING": True,  # no reminder thread left holding a connection after a request
                "SQLALCHEMY_DATABASE_URI": database_url,
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "SECRET_KEY": STRONG_KEY,
                "MAIL_SERVER": None,
                "PLAN_AUTOSTART": False,
                **config,
            }
        )
        if not built:
            with app.app_context():
                _wipe(db)
        built.append(app)
        if migrate:
            result = app.test_cli_runner().invoke(main, ["init-db"])
            assert result.exit_code == 0, result.output
        return app

    yield make
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if built:
        with built[0].app_context():
            _wipe(db)
            db.engine.dispose()


STRONG_KEY = "9f2c4b7e1a0d83f65c2e9b4a7d10f3e8c6b5a4d3e2f1a0b9c8d7e6f5a4b3c2d1"
