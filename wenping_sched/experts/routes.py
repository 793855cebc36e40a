"""The experts pages: the pools, one expert, editing, retiring and importing a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import cast

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from .. import audit
from ..auth.routes import coordinator_required
from ..errors import not_in_scope
from ..extensions import db
from ..models import Expert, ExpertBusy, User
from ..operations import OperationError
from ..standing import queries as credit_queries
from ..timeutil import local_now, local_tz
from . import operations, queries
from .forms import (
    BusyForm,
    ExpertFilterForm,
    ExpertForm,
    ImportForm,
    ReinstateForm,
    active_sectors,
    maintainable_pools,
)

bp = Blueprint("experts", __name__)
PAGE_SIZE = 50

# The template's columns, in the order the importer documents them, with one example row.
TEMPLATE_HEADERS = (
    "姓名",
    "专家库",
    "工作单位",
    "专业领域",
    "职称",
    "高级职称",
    "利害关系单位",
    "手机",
    "邮箱",
)
TEMPLATE_EXAMPLE = (
    "张明",
    "市级",
    "甘肃某某律师事务所",
    "法律、信访",
    "律师",
    "是",
    "某某置业有限公司；某某建设集团",
    "13900001111",
    "zhangming@example.com",
)


def _user() -> User:
    return cast(User, current_user._get_current_object())


def _visible_expert(expert_id: int) -> Expert:
    """The expert, or 404 when it does not exist or lies outside the user's scope."""
    expert = db.session.get(Expert, expert_id)
    if expert is None:
        abort(404)
    if not _user().can_see_pool(expert.pool.code):
        not_in_scope(f"expert:{expert_id}")
    return expert


def _may_maintain(user: User, expert: Expert) -> bool:
    return user.is_city or expert.pool.code == user.scope


def _show_operation_error(form: FlaskForm, e: OperationError) -> None:
    """Roll back the refused change and show why, on the form and at the top of the page."""
    db.session.rollback()
    flash(e.message, "error")
    for name, message in e.fields.items():
        if name in form:
            form[name].errors = [*form[name].errors, message]


@bp.get("/pools")
@coordinator_required
def pools() -> str:
    user = _user()
    counts = queries.pool_counts(user)
    form = ExpertFilterForm(request.args).setup([p for p, _n, _s in counts], active_sectors())
    # A page at a time: a coordinator scans a list, and the whole city is 300 experts.
    stmt = queries.experts_query(user, **form.query_args())
    stmt = credit_queries.filter_and_sort(stmt, form.suspended.data or "", form.sort.data or "")
    total = int(db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    experts = list(db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    loads = queries.year_loads(experts)
    return render_template(
        "experts/pools.html",
        credit=credit_queries.pool_credit([x.id for x in experts]),
        counts=counts,
        form=form,
        experts=experts,
        loads=loads,
        peak=max(loads.values(), default=0),
        charts=queries.pool_loads(user, form.pool.data or None),
        current_pool=form.pool.data or "",
        total=total,
        page=page,
        pages=pages,
        page_args=form.link_args(),
    )


@bp.get("/pools/export.xlsx")
@coordinator_required
def export_pools() -> Response:
    """The listed experts (the page's filters, every page) in the importer's own columns."""
    from .export import pool_workbook

    user = _user()
    form = ExpertFilterForm(request.args).setup([p for p, _n, _s in queries.pool_counts(user)], [])
    experts = list(db.session.scalars(queries.experts_query(user, **form.query_args())))
    audit.record("experts.export", user, target="pools", filters=form.link_args(), experts=len(experts))
    db.session.commit()
    data = io.BytesIO(pool_workbook(experts))
    return send_file(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=_("专家名单.xlsx"),
    )


def _detail_page(
    expert: Expert, busy_form: BusyForm | None = None, reinstate_form: ReinstateForm | None = None
) -> str:
    load = queries.year_loads([expert])[expert.id]
    pool_mean, pool_max = queries.pool_load_summary(expert)
    now = local_now()
    busy = list(expert.busy)
    return render_template(
        "experts/detail.html",
        expert=expert,
        busy=[b for b in busy if b.end > now],
        past_busy=[b for b in busy if b.end <= now],
        load=load,
        pool_mean=pool_mean,
        pool_max=pool_max,
        can_edit=_may_maintain(_user(), expert),
        busy_form=busy_form or BusyForm(formdata=None),
        reinstate_form=reinstate_form or ReinstateForm(formdata=None, prefix="reinstate"),
        credit=credit_queries.summary(expert),
    )


@bp.get("/experts/<int:expert_id>")
@coordinator_required
def detail(expert_id: int) -> str:
    return _detail_page(_visible_expert(expert_id))


def _maintained_expert(expert_id: int) -> Expert:
    """The expert, when the coordinator keeps the expert's pool (404 outside scope, 403 the city's)."""
    expert = _visible_expert(expert_id)
    if not _may_maintain(_user(), expert):
        abort(403)
    return expert


@bp.post("/experts/<int:expert_id>/busy")
@coordinator_required
def add_busy(expert_id: int) -> str | tuple[str, int] | Response:
    """The expert phoned the office: a coordinator enters the time the expert cannot come."""
    expert = _maintained_expert(expert_id)
    form = BusyForm()
    if not form.validate_on_submit():
        return _detail_page(expert, busy_form=form), 422
    tz = local_tz()
    start = cast(datetime, form.start.data).replace(tzinfo=tz)
    end = cast(datetime, form.end.data).replace(tzinfo=tz)
    try:
        operations.add_expert_busy(_user(), expert, start, end, form.reason.data or "")
    except OperationError as e:
        db.session.rollback()
        form.end.errors = [*form.end.errors, e.message]
        return _detail_page(expert, busy_form=form), 422
    db.session.commit()
    flash(_("已为%(n)s登记不能参会的时间", n=expert.name), "success")
    return redirect(url_for(".detail", expert_id=expert.id) + "#busy")


@bp.post("/experts/<int:expert_id>/busy/<int:busy_id>/delete")
@coordinator_required
def remove_busy(expert_id: int, busy_id: int) -> Response:
    expert = _maintained_expert(expert_id)
    busy = db.session.get(ExpertBusy, busy_id)
    if busy is None or busy.expert_id != expert.id:
        abort(404)
    operations.remove_expert_busy(_user(), busy)
    db.session.commit()
    flash(_("已删除"), "success")
    return redirect(url_for(".detail", expert_id=expert.id) + "#busy")


@bp.post("/experts/<int:expert_id>/reinstate")
@coordinator_required
def reinstate(expert_id: int) -> str | tuple[str, int] | Response:
    """出库 undone: the expert is drawn again; the reason is kept in the audit log."""
    expert = _maintained_expert(expert_id)
    form = ReinstateForm(prefix="reinstate")
    if not form.validate_on_submit():
        return _detail_page(expert, reinstate_form=form), 422
    try:
        operations.reinstate_expert(_user(), expert, form.reason.data or "")
    except OperationError as e:
        db.session.rollback()
        form.reason.errors = [*form.reason.errors, e.message]
        return _detail_page(expert, reinstate_form=form), e.status
    db.session.commit()
    flash(_("专家 %(name)s 已恢复入库，今后可参加抽取", name=expert.name), "success")
    return redirect(url_for(".detail", expert_id=expert.id))


@bp.post("/experts/<int:expert_id>/retire")
@coordinator_required
def retire(expert_id: int) -> Response:
    expert = _visible_expert(expert_id)
    try:
        operations.retire_expert(_user(), expert)
    except OperationError as e:
        db.session.rollback()
        flash(e.message, "error")
    else:
        db.session.commit()
        flash(_("专家 %(name)s 已出库，不再参加抽取", name=expert.name), "success")
    return redirect(url_for(".detail", expert_id=expert_id))


@bp.post("/experts/<int:expert_id>/calendar-feed")
@coordinator_required
def reissue_feed(expert_id: int) -> Response:
    """A new calendar-feed link for the expert (a lost phone, a forwarded mail): the old one stops working."""
    from ..invitations import rsvp

    expert = _visible_expert(expert_id)
    if not _may_maintain(_user(), expert):
        abort(403)
    rsvp.reissue_feed(_user(), "expert", expert.id)
    db.session.commit()
    flash(_("已为 %(n)s 重新生成日历订阅链接，旧链接已失效", n=expert.name), "success")
    return redirect(url_for(".detail", expert_id=expert_id))


@bp.route("/experts/<int:expert_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit(expert_id: int) -> str | tuple[str, int] | Response:
    user = _user()
    expert = _visible_expert(expert_id)
    if not _may_maintain(user, expert):
        abort(403)
    form = ExpertForm().setup(maintainable_pools(user), active_sectors())
    if request.method == "GET":
        form.fill(expert)
    elif form.validate_on_submit():
        try:
            operations.update_expert(user, expert, form.to_data())
        except OperationError as e:
            _show_operation_error(form, e)
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for(".detail", expert_id=expert.id))
    html = render_template("experts/edit.html", form=form, expert=expert)
    return (html, 422) if request.method == "POST" else html


@bp.route("/experts/new", methods=["GET", "POST"])
@coordinator_required
def new() -> str | tuple[str, int] | Response:
    user = _user()
    pools = maintainable_pools(user)
    form = ExpertForm().setup(pools, active_sectors())
    if request.method == "GET":
        wanted = request.args.get("pool")
        form.pool.data = wanted if wanted in {p.code for p in pools} else (pools[0].code if pools else "")
    elif form.validate_on_submit():
        try:
            (expert,) = operations.create_experts(user, [form.to_data()])
        except OperationError as e:
            _show_operation_error(form, e)
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for(".detail", expert_id=expert.id))
    html = render_template("experts/edit.html", form=form, expert=None)
    return (html, 422) if request.method == "POST" else html


@bp.route("/experts/import", methods=["GET", "POST"])
@coordinator_required
def import_page() -> str | tuple[str, int] | Response:
    form = ImportForm()
    errors = None
    more = 0
    if form.validate_on_submit():
        # Imported here: the importer (and openpyxl behind it) is only needed on upload.
        from .importer import ImportFailed, import_experts

        upload = form.file.data
        try:
            result = import_experts(upload.read(), upload.filename or "", _user())
        except ImportFailed as e:
            errors, more = e.errors, e.more
            flash(_("文件有误，未导入任何专家；请按下表修改后重新上传"), "error")
        else:
            flash(_("导入完成：新增 %(c)d 名，更新 %(u)d 名", c=result.created, u=result.updated), "success")
            return redirect(url_for(".pools"))
    html = render_template(
        "experts/import.html", form=form, errors=errors, more=more, headers=TEMPLATE_HEADERS
    )
    return (html, 422) if request.method == "POST" else html


@bp.get("/experts/import/template.csv")
@coordinator_required
def import_template() -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerow(TEMPLATE_EXAMPLE)
    # The BOM tells Excel the file is UTF-8; without it Excel reads GBK and garbles the Chinese.
    data = io.BytesIO(out.getvalue().encode("utf-8-sig"))
    return send_file(data, mimetype="text/csv", as_attachment=True, download_name="专家导入模板.csv")
