"""The joint-meeting departments and their contacts."""

from __future__ import annotations

from flask import Flask

from ..extensions import csrf


def init_app(app: Flask) -> None:
    from . import api

    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
