"""The coordinators' dashboard and the month calendar."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.routes import coordinator_required
from ..credit import evaluations
from ..models import User
from . import queries

bp = Blueprint("dashboard", __name__)

PANEL_STATUS = {
    "proposed": _l("待确认"),
    "inviting": _l("邀请中"),
    "confirmed": _l("已组成"),
    "cancelled": _l("已取消"),
}
MEETING_STATUS = {
    "proposed": _l("待发邀请"),
    "inviting": _l("邀请中"),
    "confirmed": _l("已确认"),
    "cancelled": _l("已取消"),
}


def _user() -> User:
    return cast(User, current_user._get_current_object())


def render_dashboard() -> str:
    """The coordinator's home page (views.home calls this for coordinators)."""
    user = _user()
    return render_template(
        "dashboard/index.html",
        d=queries.dashboard(user),
        days=queries.UPCOMING_DAYS,
        panel_status=PANEL_STATUS,
        meeting_status=MEETING_STATUS,
        reports="reports.statistics" in current_app.view_functions,
        to_evaluate=evaluations.waiting(user),
    )


@bp.get("/calendar/month")
@coordinator_required
def month() -> str:
    year, number = queries.parse_month(request.args.get("year"), request.args.get("month"))
    return render_template(
        "dashboard/month.html",
        m=queries.month(_user(), year, number),
        panel_status=PANEL_STATUS,
        meeting_status=MEETING_STATUS,
    )
