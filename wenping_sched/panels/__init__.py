"""Review panels: draw, confirm, redraw, reschedule, cancel; the draw records."""

from __future__ import annotations

from flask import Flask

from ..extensions import csrf


def init_app(app: Flask) -> None:
    from ..invitations import rsvp
    from . import answers, api, routes

    rsvp.register_panel_answer(answers.answer_panel)

    app.register_blueprint(routes.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
