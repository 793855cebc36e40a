"""Draws (随机抽取): committed, witnessed, revealed, kept; the records that are proof."""

from __future__ import annotations

from flask import Flask

from ..extensions import csrf


def init_app(app: Flask) -> None:
    from . import api, routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
