"""Expert credit (信用评价): evaluation after every panel, points, suspension and leave."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..extensions import csrf
    from ..invitations import rsvp
    from ..standing.draw import leave_label
    from ..standing.points import cn_date
    from . import api, operations, routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
    app.jinja_env.globals.update(cn_date=cn_date, leave_label=leave_label)
    # A member who accepted and then declines close to the meeting loses points (SERVICE.md).
    rsvp.register_withdrawal_hook(operations.record_withdrawal)
