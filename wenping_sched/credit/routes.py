"""The credit pages: evaluating a panel, an expert's credit (coordinators), my credit and my leave
(experts), the rules, and the yearly report."""

from __future__ import annotations

import io
from datetime import time, timedelta
from typing import Any, cast

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..auth.routes import coordinator_required
from ..extensions import db
from ..models import Expert, Panel, User
from ..models.credit import Leave
from ..models.types import utcnow
from ..operations import OperationError
from ..portal.routes import role_required
from ..standing.draw import leave_period
from ..standing.points import rules_in_force
from ..timeutil import at_local, local_now
from . import evaluations, leave, operations, queries, report
from .forms import EvaluationForm, LeaveForm, LiftForm, ManualEntryForm, RulesForm, SuspendForm

bp = Blueprint("credit", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user() -> User:
    return cast(User, current_user._get_current_object())


def _visible_panel(panel_id: int) -> Panel:
    panel = db.session.get(Panel, panel_id)
    if panel is None or not _user().can_see_county(panel.matter.county):
        abort(404)
    return panel


def _visible_expert(expert_id: int) -> Expert:
    expert = db.session.get(Expert, expert_id)
    if expert is None or not _user().can_see_pool(expert.pool.code):
        abort(404)
    return expert


def _refused(e: OperationError) -> None:
    db.session.rollback()
    flash(e.message, "error")


# --- evaluating a panel ---------------------------------------------------------------------------


@bp.route("/panels/<int:panel_id>/evaluation", methods=["GET", "POST"])
@coordinator_required
def evaluate(panel_id: int) -> str | tuple[str, int] | Response:
    panel = _visible_panel(panel_id)
    members = evaluations.expected_members(panel)
    current = evaluations.current_evaluations([panel.id])
    form = EvaluationForm()
    if request.method == "GET":
        # "All present, all 4" unless the member was rated before: then the rating as it stands.
        for m in members:
            before = current.get((panel.id, m.expert_id))
            form.members.append_entry(
                {
                    "expert_id": str(m.expert_id),
                    "attendance": before.attendance if before else "present",
                    "score": str(before.score) if before and before.score else ("" if before else "4"),
                    "remarks": before.remarks if before else "",
                }
            )
    elif form.validate_on_submit():
        try:
            added = evaluations.evaluate(_user(), panel, form.items())
        except OperationError as e:
            _refused(e)
        else:
            db.session.commit()
            if added:
                flash(_("已保存 %(n)d 名成员的评价", n=len(added)), "success")
            else:
                flash(_("评价没有变化"), "info")
            return redirect(url_for(".evaluate", panel_id=panel.id))
    else:
        flash(_("评价未保存，请按提示修改"), "error")
        if any(entry.expert_id.errors for entry in form.members):
            flash(_("表单中有无效的专家编号，请重新打开本页填写"), "error")
    by_id = {str(m.expert_id): m for m in members}
    rows = [(entry, by_id.get(str(entry.expert_id.data))) for entry in form.members]
    html = render_template(
        "credit/evaluate.html",
        panel=panel,
        form=form,
        rows=[(entry, m) for entry, m in rows if m is not None],
        can_evaluate=evaluations.can_evaluate(panel),
        history=evaluations.history(panel),
        attendance=evaluations.attendance_names(),
        rated=bool(current),
        rules=rules_in_force(),
    )
    return (html, 422) if request.method == "POST" else html


# --- an expert's credit, for coordinators -------------------------------------------------------


def _expert_page(expert: Expert, **forms: Any) -> str:
    user = _user()
    return render_template(
        "credit/expert.html",
        expert=expert,
        s=queries.summary(expert),
        leaves=leave.leaves_of(expert),
        can_adjust=operations.may_adjust(user, expert),
        manual_form=forms.get("manual_form") or ManualEntryForm(formdata=None),
        suspend_form=forms.get("suspend_form") or SuspendForm(formdata=None),
        lift_form=forms.get("lift_form") or LiftForm(formdata=None),
        leave_form=forms.get("leave_form") or LeaveForm(formdata=None),
        now_utc=utcnow(),
    )


@bp.get("/experts/<int:expert_id>/credit")
@coordinator_required
def expert(expert_id: int) -> str:
    return _expert_page(_visible_expert(expert_id))


@bp.post("/experts/<int:expert_id>/credit/entries")
@coordinator_required
def manual_entry(expert_id: int) -> tuple[str, int] | Response:
    expert = _visible_expert(expert_id)
    form = ManualEntryForm()
    if not form.validate_on_submit():
        return _expert_page(expert, manual_form=form), 422
    try:
        operations.manual_entry(_user(), expert, int(form.delta.data or 0), form.reason.data or "")
    except OperationError as e:
        _refused(e)
        return _expert_page(expert, manual_form=form), e.status
    db.session.commit()
    flash(_("已记录"), "success")
    return redirect(url_for(".expert", expert_id=expert.id))


@bp.post("/experts/<int:expert_id>/credit/suspension")
@coordinator_required
def suspend(expert_id: int) -> tuple[str, int] | Response:
    expert = _visible_expert(expert_id)
    form = SuspendForm()
    if not form.validate_on_submit() or form.until.data is None:
        return _expert_page(expert, suspend_form=form), 422
    try:
        operations.suspend(_user(), expert, form.until.data, form.reason.data or "")
    except OperationError as e:
        _refused(e)
        return _expert_page(expert, suspend_form=form), e.status
    db.session.commit()
    flash(_("已暂停抽取，并已邮件告知专家"), "success")
    return redirect(url_for(".expert", expert_id=expert.id))


@bp.post("/experts/<int:expert_id>/credit/lift")
@coordinator_required
def lift(expert_id: int) -> tuple[str, int] | Response:
    expert = _visible_expert(expert_id)
    form = LiftForm()
    if not form.validate_on_submit():
        return _expert_page(expert, lift_form=form), 422
    try:
        operations.lift(_user(), expert, form.reason.data or "")
    except OperationError as e:
        _refused(e)
        return _expert_page(expert, lift_form=form), e.status
    db.session.commit()
    flash(_("已解除暂停，并已邮件告知专家"), "success")
    return redirect(url_for(".expert", expert_id=expert.id))


def _declare(expert: Expert, form: LeaveForm) -> leave.LeaveOutcome:
    assert form.start.data is not None and form.end.data is not None
    start = at_local(form.start.data, time(0, 0))
    end = at_local(form.end.data + timedelta(days=1), time(0, 0))
    return leave.declare(_user(), expert, start, end, form.reason.data or "", all_day=True)


def _flash_leave(outcome: leave.LeaveOutcome) -> None:
    flash(_("已登记请假：%(p)s", p=leave_period(outcome.leave)), "success")
    for d in outcome.declined:
        if d.failure:
            flash(
                _("评审组#%(p)d 已谢绝，但无法补抽：%(m)s", p=d.panel.id, m=d.failure),
                "warning",
            )
        else:
            flash(_("评审组#%(p)d 已谢绝并补抽 %(n)d 人", p=d.panel.id, n=len(d.added)), "info")


@bp.post("/experts/<int:expert_id>/leave")
@coordinator_required
def leave_on_behalf(expert_id: int) -> tuple[str, int] | Response:
    expert = _visible_expert(expert_id)
    form = LeaveForm()
    if not form.validate_on_submit():
        return _expert_page(expert, leave_form=form), 422
    try:
        outcome = _declare(expert, form)
    except OperationError as e:
        _refused(e)
        return _expert_page(expert, leave_form=form), e.status
    db.session.commit()
    _flash_leave(outcome)
    return redirect(url_for(".expert", expert_id=expert.id))


@bp.post("/experts/<int:expert_id>/leave/<int:leave_id>/withdraw")
@coordinator_required
def withdraw_on_behalf(expert_id: int, leave_id: int) -> Response:
    expert = _visible_expert(expert_id)
    row = db.session.get(Leave, leave_id)
    if row is None or row.expert_id != expert.id:
        abort(404)
    try:
        leave.withdraw(_user(), row)
    except OperationError as e:
        _refused(e)
    else:
        db.session.commit()
        flash(_("已撤销请假"), "success")
    return redirect(url_for(".expert", expert_id=expert.id))


# --- the expert's own pages -----------------------------------------------------------------------


def _me() -> Expert:
    return cast(Expert, _user().expert)


@bp.get("/me/credit")
@role_required("expert")
def my_credit() -> str:
    return render_template("credit/my_credit.html", s=queries.summary(_me()))


def _leave_page(form: LeaveForm | None = None) -> str:
    now = local_now()
    rows = leave.leaves_of(_me())
    return render_template(
        "credit/my_leave.html",
        form=form or LeaveForm(formdata=None),
        current=[r for r in rows if r.end > now and r.withdrawn_at is None],
        earlier=[r for r in rows if r.end <= now or r.withdrawn_at is not None],
        now_utc=utcnow(),
    )


@bp.get("/me/leave")
@role_required("expert")
def my_leave() -> str:
    return _leave_page()


@bp.post("/me/leave")
@role_required("expert")
def declare_my_leave() -> tuple[str, int] | Response:
    form = LeaveForm()
    if not form.validate_on_submit():
        return _leave_page(form), 422
    try:
        outcome = _declare(_me(), form)
    except OperationError as e:
        _refused(e)
        form.end.errors = [*form.end.errors, e.message]
        return _leave_page(form), e.status
    db.session.commit()
    _flash_leave(outcome)
    return redirect(url_for(".my_leave"))


@bp.post("/me/leave/<int:leave_id>/withdraw")
@role_required("expert")
def withdraw_my_leave(leave_id: int) -> Response:
    row = db.session.get(Leave, leave_id)
    if row is None or row.expert_id != _me().id:
        abort(404)
    try:
        leave.withdraw(_user(), row)
    except OperationError as e:
        _refused(e)
    else:
        db.session.commit()
        flash(_("已撤销请假"), "success")
    return redirect(url_for(".my_leave"))


# --- the rules and the yearly report --------------------------------------------------------------


@bp.route("/credit/settings", methods=["GET", "POST"])
@coordinator_required
def settings() -> str | tuple[str, int] | Response:
    user = _user()
    form = RulesForm()
    if request.method == "POST":
        if not user.is_city:
            abort(403)
        if form.validate_on_submit():
            try:
                operations.change_rules(user, form.values(), form.reason.data or "")
            except OperationError as e:
                _refused(e)
            else:
                db.session.commit()
                flash(_("信用规则已修改，自现在起生效；此前的记录不变"), "success")
                return redirect(url_for(".settings"))
    else:
        form.fill(rules_in_force())
    html = render_template("credit/settings.html", form=form, history=queries.rules_history())
    return (html, 422) if request.method == "POST" else html


def _year() -> int:
    this = local_now().year
    year = request.args.get("year", this, type=int) or this
    return year if 2000 <= year <= this + 1 else this


@bp.get("/credit/report")
@coordinator_required
def yearly_report() -> str:
    year, pool = _year(), request.args.get("pool") or None
    this = local_now().year
    return render_template(
        "credit/report.html",
        r=report.build(_user(), year, pool),
        years=list(range(this, this - 6, -1)),
        pools=report.visible_pools(_user()),
        pool=pool or "",
    )


@bp.get("/credit/report.xlsx")
@coordinator_required
def yearly_report_xlsx() -> Response:
    year, pool = _year(), request.args.get("pool") or None
    _report, data = report.export(_user(), year, pool)
    db.session.commit()
    response = send_file(
        io.BytesIO(data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=_("信用评价-%(y)d.xlsx", y=year),
    )
    response.headers["Cache-Control"] = "no-store"
    return response
