"""The login and logout pages, and the role decorators for pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from ..extensions import db
from .forms import LoginForm
from .operations import AccountError, Throttled, authenticate, close_session, open_session

# Where the session cookie keeps the token of its server-side login session.
SESSION_KEY = "_sid"

bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., Any])


def coordinator_required(view: F) -> F:
    """A page for 维稳办 coordinators only."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_coordinator:
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapped)


# A local path: one slash, then no second slash or backslash, no scheme, no host, nothing a
# browser strips or reinterprets (tabs, line breaks, other controls, spaces).
_LOCAL_PATH = re.compile(r"/(?![/\\])[^\s\\\x00-\x1f\x7f]*")


def _safe_next(target: str | None) -> str | None:
    # Only local paths: an open redirect would let a phishing mail borrow our login page.
    if not target or not _LOCAL_PATH.fullmatch(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | tuple[str, int] | Response:
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data or "", form.password.data or "", request.remote_addr or "")
        except Throttled as e:
            flash(str(e), "error")
            return render_template("auth/login.html", form=form), 429
        except AccountError as e:
            flash(str(e), "error")
        else:
            # A new session id on every login (no fixation); the server keeps it, so logging out ends it.
            session.clear()
            session[SESSION_KEY] = open_session(user, request.remote_addr or "")
            db.session.commit()
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME of inactivity
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("views.home"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    close_session(current_user._get_current_object(), session.get(SESSION_KEY))
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("已退出登录"), "info")
    return redirect(url_for("auth.login"))
