"""Invitations: iTIP mail, RSVP links, calendar feeds, and the outbox that delivers them."""

from __future__ import annotations

from flask import Flask

from ..extensions import csrf


def init_app(app: Flask) -> None:
    from . import events, outbox, reminders, routes  # noqa: F401  (events registers the panel loader)

    outbox.init_app(app)
    app.register_blueprint(routes.bp)
    # The signed RSVP token is the credential: no session, so no CSRF token to ask for.
    csrf.exempt(routes.rsvp_answer)
    app.jinja_env.globals["panel_invitations"] = routes.panel_invitations
    reminders.init_app(app)
