"""The coordinators' dashboard (their home page) and the month calendar of panels and joint meetings."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import routes

    app.register_blueprint(routes.bp)
