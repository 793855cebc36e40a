"""Shared fixtures: an app with a fresh database per test, on SQLite and, when
WENPING_TEST_DATABASE_URL is set, on PostgreSQL too."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("WENPING_TEST_DATABASE_URL") else [])
PASSWORD = "test-pass-2026"


@pytest.fixture(params=BACKENDS)
def app(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Any]:
    from wenping_sched import create_app
    from wenping_sched.extensions import db
    from wenping_sched.seeding import ensure_reference_data

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    else:
        url = os.environ["WENPING_TEST_DATABASE_URL"]
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "MAIL_SERVER": None,
        }
    )
    with app.app_context():
        if request.param != "sqlite":
            db.drop_all()
        db.create_all()
        ensure_reference_data()
        db.session.commit()
        yield app
        db.session.remove()
        if request.param != "sqlite":
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


_counter = itertools.count(1)


@pytest.fixture
def make_user(app: Any) -> Callable[..., Any]:
    from wenping_sched.auth.operations import create_user
    from wenping_sched.extensions import db

    def make(
        role: str = "coordinator", scope: str | None = "city", username: str | None = None, **links: Any
    ) -> Any:
        user = create_user(
            username or f"user{next(_counter)}",
            PASSWORD,
            role,
            scope=scope if role == "coordinator" else None,
            **links,
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client: Any) -> Callable[[Any], Any]:
    def do(user: Any) -> Any:
        resp = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert resp.status_code == 302, resp.get_data(as_text=True)
        return resp

    return do


@pytest.fixture
def auth_headers(client: Any) -> Callable[[Any], dict[str, str]]:
    def headers(user: Any) -> dict[str, str]:
        resp = client.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
        assert resp.status_code == 200, resp.get_json()
        return {"Authorization": f"Bearer {resp.get_json()['token']}"}

    return headers


@pytest.fixture
def expert_factory(app: Any) -> Callable[..., Any]:
    from sqlalchemy import select

    from wenping_sched.extensions import db
    from wenping_sched.models import Expert, Pool, Sector

    def make(
        pool: str = "city",
        sectors: tuple[str, ...] = ("法律",),
        senior: bool = False,
        employer: str | None = None,
        interests: tuple[str, ...] = (),
        name: str | None = None,
        **fields: Any,
    ) -> Expert:
        n = next(_counter)
        expert = Expert(
            name=name or f"专家{n}",
            pool=db.session.scalar(select(Pool).where(Pool.code == pool)),
            employer=employer or f"单位{n}",
            sectors=list(db.session.scalars(select(Sector).where(Sector.name.in_(sectors)))),
            senior=senior,
            interests=list(interests),
            phone=fields.pop("phone", f"139{n:08d}"),
            email=fields.pop("email", f"e{n}@example.cn"),
            prior_load=fields.pop("prior_load", 0),
            active=True,
            **fields,
        )
        db.session.add(expert)
        db.session.commit()
        return expert

    return make


@pytest.fixture
def matter_factory(app: Any) -> Callable[..., Any]:
    from wenping_sched.extensions import db
    from wenping_sched.models import Matter

    def make(
        county: str | None = None,
        title: str | None = None,
        category: str = "城市建设",
        responsible_department: str = "市住建局",
        related_organisations: tuple[str, ...] = (),
    ) -> Matter:
        matter = Matter(
            title=title or f"事项{next(_counter)}",
            category=category,
            county=county,
            responsible_department=responsible_department,
            related_organisations=list(related_organisations),
            stage=1,
        )
        db.session.add(matter)
        db.session.commit()
        return matter

    return make
