"""Logins, sessions and API tokens."""

from __future__ import annotations

from flask import Flask, session
from flask_babel import lazy_gettext as _l

from ..extensions import csrf, login_manager
from ..models import User
from .operations import session_user


def init_app(app: Flask) -> None:
    from . import api, routes

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The cookie alone is not enough: it must name a login session the server still holds open.
        return session_user(user_id, session.get(routes.SESSION_KEY))

    app.register_blueprint(routes.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
