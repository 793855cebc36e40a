"""The coordinators' dashboard (their home page) and the month calendar of panels and joint meetings."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from ..timeutil import to_local


def local_time(value: datetime | None) -> str:
    """08:30, in the app's timezone."""
    return to_local(value).strftime("%H:%M") if value is not None else ""


def init_app(app: Flask) -> None:
    from . import routes

    app.register_blueprint(routes.bp)
    app.jinja_env.filters["local_time"] = local_time
