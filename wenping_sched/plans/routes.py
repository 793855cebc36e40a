"""The plan pages: upload or paste a year's panel requests, watch the solve, create the panels."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..auth.routes import coordinator_required
from ..extensions import db
from ..models import Plan
from ..operations import OperationError
from . import applying, operations, runner, spreadsheet
from .forms import PlanForm

bp = Blueprint("plans", __name__, url_prefix="/plans")

EXAMPLE = (
    "事项编号,人数,席位,高级职称人数,窗口开始,窗口结束,时长\n"
    "1,3,法律:1;信访:1,1,2026-03-02 08:30,2026-03-13 18:00,120"
)


def _visible(plan_id: int) -> Plan:
    plan = operations.get_visible_plan(current_user, plan_id)
    if plan is None:
        abort(404)
    return plan


@bp.route("", methods=["GET", "POST"])
@coordinator_required
def index() -> str | tuple[str, int] | Response:
    form = PlanForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            if upload and upload.filename:
                items = spreadsheet.read_plan_file(upload.read(), upload.filename, current_user)
            elif form.rows.data and form.rows.data.strip():
                items = spreadsheet.read_plan_file(
                    form.rows.data.strip().encode("utf-8"), "rows.csv", current_user
                )
            else:
                raise OperationError(_("请上传文件或粘贴请求"), 422)
            plan = operations.create_plan(current_user, items, form.title.data or "")
        except OperationError as e:
            db.session.rollback()
            flash(e.message, "error")
        else:
            db.session.commit()
            runner.start(current_app._get_current_object(), plan.id)  # type: ignore[attr-defined]
            flash(_("计划已提交，正在后台求解"), "success")
            return redirect(url_for(".detail", plan_id=plan.id))
    html = render_template(
        "plans/index.html",
        form=form,
        plans=operations.visible_plans(current_user),
        example=EXAMPLE,
        stage_names=operations.STAGE_NAMES,
    )
    return (html, 422) if form.is_submitted() else html


@bp.get("/<int:plan_id>")
@coordinator_required
def detail(plan_id: int) -> str:
    plan = _visible(plan_id)
    rows = operations.proposals(plan) if plan.status == "done" else []
    return render_template(
        "plans/detail.html",
        plan=plan,
        rows=rows,
        stage_names=operations.STAGE_NAMES,
        elapsed=operations.elapsed(plan),
    )


@bp.post("/<int:plan_id>/apply")
@coordinator_required
def apply(plan_id: int) -> Response:
    plan = _visible(plan_id)
    try:
        result = applying.apply_plan(current_user, plan)
    except OperationError as e:
        db.session.rollback()
        flash(e.message, "error")
    else:
        db.session.commit()
        flash(_("已创建 %(n)d 个评审组（待确认）", n=len(result.created)), "success")
        for index, message in result.skipped:
            flash(_("第 %(i)d 条未创建：%(m)s", i=index + 1, m=message), "error")
    return redirect(url_for(".detail", plan_id=plan_id))
