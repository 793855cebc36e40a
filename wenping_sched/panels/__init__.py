"""Review panels: draw, confirm, redraw, reschedule, cancel; the draw records."""

from __future__ import annotations

from flask import Flask

from ..extensions import csrf


def init_app(app: Flask) -> None:
    from . import api, routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
