"""The home page and the shared template context."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, redirect, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from .models import pool_label
from .timeutil import fmt_date, fmt_local, fmt_local_time

bp = Blueprint("views", __name__)


@bp.get("/")
@login_required
def home() -> str | Response:
    if current_user.is_coordinator:
        from .dashboard.routes import render_dashboard

        return render_dashboard()
    return redirect(url_for("portal.home"))


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask every site for /favicon.ico: the icon in static/, not a 404."""
    return current_app.send_static_file("favicon.ico")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.filters["local"] = fmt_local
    app.jinja_env.filters["local_time"] = fmt_local_time
    app.jinja_env.filters["local_date"] = fmt_date
    app.jinja_env.filters["pool_label"] = pool_label

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {"app_name": "稳评专家库与联席会议排程服务"}
