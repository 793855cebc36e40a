"""Logins, sessions and API tokens."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from ..extensions import csrf, db, login_manager
from ..models import User


def init_app(app: Flask) -> None:
    from . import api, routes

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        try:
            return db.session.get(User, int(user_id))
        except ValueError:
            return None

    app.register_blueprint(routes.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
