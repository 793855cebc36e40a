"""The reports pages and downloads; every download is an audited export."""

from __future__ import annotations

import io
from typing import cast

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..auth.routes import coordinator_required
from ..errors import not_in_scope
from ..extensions import db
from ..models import Matter, User
from ..timeutil import local_now
from . import operations
from .archive import archive_name
from .filing import build_filing
from .statistics import QUARTER_NAMES, Period, PeriodError, compute, statistics_file_name

bp = Blueprint("reports", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user() -> User:
    return cast(User, current_user._get_current_object())


def _visible_matter(matter_id: int) -> Matter:
    """The matter, or 404 when it does not exist or lies outside the user's scope."""
    matter = db.session.get(Matter, matter_id)
    if matter is None:
        abort(404)
    if not _user().can_see_county(matter.county):
        not_in_scope(f"matter:{matter_id}")
    return matter


def _download(data: bytes, mimetype: str, name: str) -> Response:
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/matters/<int:matter_id>/filing")
@coordinator_required
def filing(matter_id: int) -> str:
    form = build_filing(_visible_matter(matter_id))
    return render_template(
        "reports/filing.html", form=form, draw_links="draws.record" in current_app.view_functions
    )


@bp.get("/matters/<int:matter_id>/filing.xlsx")
@coordinator_required
def filing_xlsx(matter_id: int) -> Response:
    matter = _visible_matter(matter_id)
    data = operations.export_filing(_user(), matter)
    db.session.commit()
    return _download(data, XLSX, _("报备表-%(id)d.xlsx", id=matter.id))


@bp.get("/matters/<int:matter_id>/archive.zip")
@coordinator_required
def archive(matter_id: int) -> Response:
    matter = _visible_matter(matter_id)
    data = operations.export_archive(_user(), matter)
    db.session.commit()
    return _download(data, "application/zip", archive_name(matter))


def _period() -> Period:
    try:
        return Period.parse(request.args, local_now().date())
    except PeriodError as e:
        abort(400, description=str(e))


@bp.get("/reports")
@coordinator_required
def statistics() -> str | tuple[str, int]:
    today = local_now().date()
    error = None
    try:
        period = Period.parse(request.args, today)
    except PeriodError as e:
        error, period = str(e), Period("month", today.year, today.month)
    html = render_template(
        "reports/statistics.html",
        s=compute(_user(), period),
        error=error,
        years=list(range(today.year + 1, today.year - 6, -1)),
        quarters=list(enumerate(QUARTER_NAMES, start=1)),
    )
    return (html, 400) if error else html


@bp.get("/reports.xlsx")
@coordinator_required
def statistics_xlsx() -> Response:
    result, data = operations.export_statistics(_user(), _period())
    db.session.commit()
    return _download(data, XLSX, statistics_file_name(result))
