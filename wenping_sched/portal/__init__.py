"""Experts' and department contacts' own pages: invitations, calendar feed, busy times, interests."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import routes

    app.register_blueprint(routes.bp)
