"""/calendar: the years, their holidays and make-up workdays; add, remove, import, mark entered."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..auth.routes import coordinator_required
from ..extensions import db
from ..operations import OperationError
from . import operations
from .forms import DayForm, ImportForm, YearForm

bp = Blueprint("calendar_admin", __name__, url_prefix="/calendar")


def _city_only() -> None:
    # The calendar governs every county's draws: county coordinators read it, the city keeps it.
    if not current_user.is_city:
        abort(403)


EXAMPLE = "2027-01-01,休,元旦\n2027-02-06~2027-02-12,休,春节\n2027-02-14,班\n2027-10-01 holiday"


def _page(
    day_form: DayForm | None = None,
    import_form: ImportForm | None = None,
    import_errors: list[str] | None = None,
) -> str:
    return render_template(
        "calendar_admin/index.html",
        years=operations.overview(),
        day_form=day_form or DayForm(formdata=None),
        import_form=import_form or ImportForm(formdata=None),
        year_form=YearForm(formdata=None),
        import_errors=import_errors or [],
        example=EXAMPLE,
        kind_names=operations.KIND_NAMES,
    )


@bp.get("")
@coordinator_required
def index() -> str:
    return _page()


@bp.post("/days")
@coordinator_required
def add_day() -> str | Response:
    _city_only()
    form = DayForm()
    if not form.validate_on_submit():
        return _page(day_form=form)
    try:
        operations.add_day(current_user, form.date.data, form.kind.data or "", form.note.data or "")
    except OperationError as e:
        db.session.rollback()
        flash(e.message, "error")
        return _page(day_form=form)
    db.session.commit()
    flash(_("已保存 %(d)s", d=form.date.data.isoformat()), "success")
    return redirect(url_for("calendar_admin.index"))


@bp.post("/days/<int:day_id>/delete")
@coordinator_required
def remove_day(day_id: int) -> Response:
    _city_only()
    try:
        operations.remove_day(current_user, day_id)
    except OperationError as e:
        db.session.rollback()
        flash(e.message, "error")
    else:
        db.session.commit()
        flash(_("已删除"), "success")
    return redirect(url_for("calendar_admin.index"))


@bp.post("/import")
@coordinator_required
def import_days() -> str | Response:
    _city_only()
    form = ImportForm()
    form.validate_on_submit()
    text = form.text.data or ""
    upload = form.file.data
    try:
        if upload and getattr(upload, "filename", ""):
            text = operations.decode_upload(upload.read())
        years = operations.import_days(current_user, text)
    except OperationError as e:
        db.session.rollback()
        flash(_("导入失败，未保存任何日期，请改正以下各行后重新导入"), "error")
        return _page(import_form=form, import_errors=e.fields.get("lines", [e.message]))
    db.session.commit()
    flash(_("已导入，%(y)s 年的放假安排已录入", y="、".join(str(y) for y in years)), "success")
    return redirect(url_for("calendar_admin.index"))


@bp.post("/years")
@coordinator_required
def mark_year() -> Response:
    _city_only()
    form = YearForm()
    if not form.validate_on_submit() or form.year.data is None:
        flash(_("年份不正确"), "error")
        return redirect(url_for("calendar_admin.index"))
    operations.mark_year_entered(current_user, form.year.data)
    db.session.commit()
    flash(_("%(y)d年放假安排已标记为录入完成", y=form.year.data), "success")
    return redirect(url_for("calendar_admin.index"))


@bp.post("/years/<int:year>/reopen")
@coordinator_required
def reopen_year(year: int) -> Response:
    _city_only()
    operations.unmark_year(current_user, year)
    db.session.commit()
    flash(_("%(y)d年已改为未录入完成", y=year), "info")
    return redirect(url_for("calendar_admin.index"))
