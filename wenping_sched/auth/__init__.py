"""Logins, sessions and API tokens."""

from __future__ import annotations

from flask import Flask, session
from flask_babel import lazy_gettext as _l

from ..extensions import csrf, login_manager
from ..models import User
from .operations import session_user


def current_caller() -> User | None:
    """The user behind the request (API token or page session), or None."""
    from flask_login import current_user

    from ..errors import is_api_request
    from .api import token_auth

    user = token_auth.current_user if is_api_request() else None
    if not isinstance(user, User) and current_user and getattr(current_user, "is_authenticated", False):
        user = current_user._get_current_object()
    return user if isinstance(user, User) else None


def init_app(app: Flask) -> None:
    from .. import errors
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
    # A refused request is audited with its user: errors asks auth through this lookup.
    errors.register_caller_lookup(current_caller)
