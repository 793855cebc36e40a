"""Joint meetings (联席会议) and analysis meetings (分析研判): scheduling, pages and API."""

from __future__ import annotations

from flask import Flask

from ..extensions import csrf


def init_app(app: Flask) -> None:
    from . import api, routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
