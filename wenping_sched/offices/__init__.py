"""The 维稳办 of the city and each county: the name and phone number mails and the RSVP page give."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import routes

    app.register_blueprint(routes.bp)
