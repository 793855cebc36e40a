"""Reports: the filing form (报备表), one file per matter (一事一档) and the period statistics."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import routes

    app.register_blueprint(routes.bp)
