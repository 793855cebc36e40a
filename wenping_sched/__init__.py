"""wenping-sched: 稳评专家库与联席会议排程服务."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path
from typing import Any

from apiflask import APIFlask
from werkzeug.routing import IntegerConverter, Map

from . import config as config_module
from .extensions import babel, csrf, db, login_manager, mail, migrate
from .models.types import render_item

# The pages, mail templates and static files travel inside the installed package (a wheel), and
# in a source checkout they are the top-level templates/ and static/ through symlinks: found the
# same way whatever the working directory.
PACKAGE_FILES = files(__name__)


class BoundedIntConverter(IntegerConverter):
    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _instance_path() -> str | None:
    """WENPING_INSTANCE_PATH (e.g. /var/lib/wenping), else Flask's default beside the package."""
    configured = os.environ.get("WENPING_INSTANCE_PATH")
    return os.path.abspath(configured) if configured else None


def create_app(config: dict[str, Any] | None = None) -> APIFlask:
    """Build the app; ``config`` overrides the environment (tests pass a database URL here)."""
    app = APIFlask(
        __name__,
        title="wenping-sched API",
        version="1",
        spec_path="/api/v1/openapi.json",
        # The docs page is ours (api_docs.py): Swagger UI from the app itself, in Chinese.
        docs_path=None,
        json_errors=False,
        template_folder=str(PACKAGE_FILES / "templates"),
        static_folder=str(PACKAGE_FILES / "static"),
        instance_relative_config=True,
        instance_path=_instance_path(),
    )
    # Ids in paths fit the database's integers: a larger one is a 404, not an overflow.
    app.url_map.converters["int"] = BoundedIntConverter
    instance_path = Path(app.instance_path)
    if config and config.get("INSTANCE_PATH"):
        instance_path = Path(config["INSTANCE_PATH"])
        app.instance_path = str(instance_path)
    app.config.update(config_module.from_environment(instance_path))
    if config:
        app.config.update(config)
    # A server database can drop connections (restarts, failovers): test each before use.
    # An SQLite file cannot, and the ping would double the cost of the cheapest reads.
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS",
        {"pool_pre_ping": not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite")},
    )
    from . import security, validation

    # Refuses over-deep JSON and NaN for every reader of a body, and never fails on a lone surrogate.
    app.json = validation.JSONProvider(app)
    app.json.ensure_ascii = False
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The proxy says which scheme and host the browser used: links and secure cookies follow it.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)  # type: ignore[method-assign]

    db.init_app(app)
    # Batch mode: SQLite cannot ALTER most things, and the same migrations run on both.
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app)
    mail.init_app(app)

    from . import (
        api_docs,
        auth,
        calendar_admin,
        credit,
        dashboard,
        departments,
        draws,
        errors,
        experts,
        invitations,
        matters,
        meetings,
        offices,
        panels,
        plans,
        portal,
        reports,
        rooms,
        views,
    )

    errors.init_app(app)
    validation.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    views.init_app(app)
    api_docs.init_app(app)
    experts.init_app(app)
    matters.init_app(app)
    departments.init_app(app)
    panels.init_app(app)
    draws.init_app(app)
    plans.init_app(app)
    calendar_admin.init_app(app)
    rooms.init_app(app)
    meetings.init_app(app)
    offices.init_app(app)
    invitations.init_app(app)
    reports.init_app(app)
    dashboard.init_app(app)
    portal.init_app(app)
    credit.init_app(app)
    return app
