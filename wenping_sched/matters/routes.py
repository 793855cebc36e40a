"""The matters pages: the list, registering a matter, and one matter through its seven steps."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from ..auth.routes import coordinator_required
from ..draws.records import matter_draws
from ..errors import not_in_scope
from ..extensions import db
from ..models import STAGES, Matter, User
from ..operations import OperationError
from . import operations
from .forms import MatterEditForm, MatterFilterForm, MatterForm, StageForm

bp = Blueprint("matters", __name__)

PANEL_STATUS_LABELS = {
    "proposed": _l("已抽取"),
    "inviting": _l("邀请中"),
    "confirmed": _l("已确认"),
    "cancelled": _l("已取消"),
}

# How the flash after an edit names the fields it changed.
FIELD_NAMES = {
    "title": _l("事项名称"),
    "category": _l("类别"),
    "responsible_department": _l("评估主体"),
    "related_organisations": _l("相关单位"),
    "description": _l("事项说明"),
    "stage": _l("评估步骤"),
    "risk_level": _l("风险等级"),
    "notes": _l("备注"),
}

MEETING_STATUS_LABELS = {
    "proposed": _l("待确认"),
    "inviting": _l("邀请中"),
    "confirmed": _l("已确认"),
    "cancelled": _l("已取消"),
}


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


@bp.get("/matters")
@coordinator_required
def index() -> str:
    user = _user()
    form = MatterFilterForm(request.args).setup(user)
    # Panels come in one extra query, not one per row, for the panel count column.
    stmt = operations.matters_query(user, **form.query_args()).options(selectinload(Matter.panels))
    matters = list(db.session.scalars(stmt))
    return render_template("matters/index.html", form=form, matters=matters)


@bp.route("/matters/<int:matter_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit(matter_id: int) -> str | tuple[str, int] | Response:
    """Correct the matter after registration; each change is audited field by field."""
    matter = _visible_matter(matter_id)
    form = MatterEditForm()
    if request.method == "GET":
        form.fill(matter)
    elif form.validate_on_submit():
        try:
            changes = operations.update_matter(_user(), matter, form.to_data())
        except OperationError as e:
            db.session.rollback()
            flash(e.message, "error")
            for name, message in e.fields.items():
                if name in form:
                    form[name].errors = [*form[name].errors, message]
        else:
            db.session.commit()
            flash(
                _("已保存修改：%(f)s", f="、".join(str(FIELD_NAMES[k]) for k in changes))
                if changes
                else _("没有改动"),
                "success",
            )
            for member in operations.members_now_in_conflict(matter):
                flash(
                    _(
                        "评审组 #%(p)d 的成员%(n)s（%(e)s）与修改后的评估主体或相关单位有利害关系，"
                        "请核对是否需要回避",
                        p=member.panel_id,
                        n=member.expert.name,
                        e=member.expert.employer,
                    ),
                    "warning",
                )
            return redirect(url_for(".detail", matter_id=matter.id))
    html = render_template("matters/edit.html", form=form, matter=matter)
    return (html, 422) if request.method == "POST" else html


@bp.route("/matters/new", methods=["GET", "POST"])
@coordinator_required
def new() -> str | tuple[str, int] | Response:
    user = _user()
    form = MatterForm().setup(user)
    if form.validate_on_submit():
        try:
            matter = operations.create_matter(user, form.to_data())
        except OperationError as e:
            db.session.rollback()
            flash(e.message, "error")
            for name, message in e.fields.items():
                if name in form:
                    form[name].errors = [*form[name].errors, message]
        else:
            db.session.commit()
            flash(_("事项已登记"), "success")
            return redirect(url_for(".detail", matter_id=matter.id))
    html = render_template("matters/new.html", form=form)
    return (html, 422) if request.method == "POST" else html


def _render_detail(matter: Matter, form: StageForm) -> str:
    return render_template(
        "matters/detail.html",
        matter=matter,
        stages=list(enumerate(STAGES, start=1)),
        panels=list(matter.panels),
        draws=matter_draws(matter),
        panel_status=PANEL_STATUS_LABELS,
        # Panel pages arrive with a later issue; link to them only once they exist.
        panel_links="panels.detail" in current_app.view_functions,
        panel_new="panels.new" in current_app.view_functions,
        joint_meetings=list(matter.joint_meetings),
        meeting_status=MEETING_STATUS_LABELS,
        # Joint meetings are the city office's: only city coordinators open them or call one.
        meeting_links=_user().is_city,
        form=form,
    )


@bp.get("/matters/<int:matter_id>")
@coordinator_required
def detail(matter_id: int) -> str:
    matter = _visible_matter(matter_id)
    form = StageForm(
        data={"stage": str(matter.stage), "risk_level": matter.risk_level or "", "notes": matter.notes}
    )
    return _render_detail(matter, form)


@bp.post("/matters/<int:matter_id>/stage")
@coordinator_required
def update_stage(matter_id: int) -> tuple[str, int] | Response:
    matter = _visible_matter(matter_id)
    form = StageForm()
    if form.validate_on_submit():
        try:
            operations.update_matter(_user(), matter, form.to_data())
        except OperationError as e:
            db.session.rollback()
            flash(e.message, "error")
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for(".detail", matter_id=matter.id))
    return _render_detail(matter, form), 422
