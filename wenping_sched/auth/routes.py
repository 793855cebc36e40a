"""The login and logout pages, and the role decorators for pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from .forms import LoginForm
from .operations import AccountError, authenticate

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


def _safe_next(target: str | None) -> str | None:
    # Only local paths: an open redirect would let a phishing mail borrow our login page.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data or "", form.password.data or "")
        except AccountError as e:
            flash(str(e), "error")
        else:
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME of inactivity
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("views.home"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    flash(_("已退出登录"), "info")
    return redirect(url_for("auth.login"))
