"""/api/v1/panels/{id}/evaluations, /api/v1/experts/{id}/credit, …/suspension and …/leave."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask_babel import gettext as _

from ..auth.api import current_api_user, require_coordinator, token_auth
from ..errors import api_abort
from ..extensions import db
from ..models import Expert, Panel, User
from ..models.credit import Leave
from ..operations import commit_or_abort
from ..standing.points import active_suspension, score
from . import evaluations, leave, operations, queries
from .schemas import (
    EvaluationIn,
    EvaluationOut,
    ExpertCreditOut,
    LeaveIn,
    LeaveOut,
    ManualEntryIn,
    ManualEntryOut,
    SuspensionIn,
)

bp = APIBlueprint("credit_api", __name__, url_prefix="/api/v1", tag="信用评价")


def _visible_panel(panel_id: int) -> Panel:
    user = require_coordinator()
    panel = db.session.get(Panel, panel_id)
    if panel is None or not user.can_see_county(panel.matter.county):
        api_abort(404, _("评审组不存在"))
    return panel


def _visible_expert(expert_id: int, experts_too: bool = False) -> tuple[User, Expert]:
    """The expert for a coordinator who sees the pool (or, with ``experts_too``, for the expert
    themself); 404 for anyone else, 403 for department contacts."""
    user = current_api_user()
    if user.role == "expert" and experts_too:
        if user.expert_id != expert_id:
            api_abort(404, _("专家不存在"))
    else:
        require_coordinator()
    expert = db.session.get(Expert, expert_id)
    if expert is None or (user.is_coordinator and not user.can_see_pool(expert.pool.code)):
        api_abort(404, _("专家不存在"))
    return user, expert


def _current(panel: Panel) -> list[dict[str, Any]]:
    rows = evaluations.current_evaluations([panel.id])
    members = evaluations.expected_members(panel)
    return [
        queries.evaluation_to_dict(rows[(panel.id, m.expert_id)])
        for m in members
        if (panel.id, m.expert_id) in rows
    ]


@bp.get("/panels/<int:panel_id>/evaluations")
@bp.auth_required(token_auth)
@bp.output(EvaluationOut(many=True))
@bp.doc(summary="评审组成员的评价（每人最新一版）", responses=[401, 403, 404])
def list_evaluations(panel_id: int) -> Any:
    return _current(_visible_panel(panel_id))


@bp.post("/panels/<int:panel_id>/evaluations")
@bp.auth_required(token_auth)
@bp.input(EvaluationIn(many=True), arg_name="body")
@bp.output(EvaluationOut(many=True), status_code=201)
@bp.doc(
    summary="评价评审组成员（一项目一评价）",
    description="会议结束后由本县区（市级事项由市）协调员评价每名应到会成员：出席情况、评分 1–5、备注。"
    "再次提交视为更正，保存为新版本并记入日志；信用分随之调整。返回每名成员的最新评价。",
    responses=[400, 401, 403, 404, 409, 422],
)
def evaluate(panel_id: int, body: list[dict[str, Any]]) -> Any:
    panel = _visible_panel(panel_id)
    commit_or_abort(lambda: evaluations.evaluate(require_coordinator(), panel, body))
    return _current(panel)


@bp.post("/experts/<int:expert_id>/credit")
@bp.auth_required(token_auth)
@bp.input(ManualEntryIn, arg_name="body")
@bp.output(ManualEntryOut, status_code=201)
@bp.doc(
    summary="手动记录信用加减分（投诉、表扬等）",
    description="县区协调员只能调整本县区专家库的专家。扣分后低于暂停分数线的专家立即暂停抽取。",
    responses=[400, 401, 403, 404, 422],
)
def manual_entry(expert_id: int, body: dict[str, Any]) -> Any:
    user, expert = _visible_expert(expert_id)
    entry = commit_or_abort(lambda: operations.manual_entry(user, expert, body["delta"], body["reason"]))
    suspension = active_suspension(expert.id)
    return {
        "id": entry.id,
        **queries.entry_to_dict(entry),
        "score": score(expert.id),
        "suspended_until": suspension.until.isoformat() if suspension else None,
    }


@bp.post("/experts/<int:expert_id>/suspension")
@bp.auth_required(token_auth)
@bp.input(SuspensionIn, arg_name="body")
@bp.output(ExpertCreditOut)
@bp.doc(
    summary="暂停抽取或解除暂停",
    description='{"until": "2027-06-03", "reason"} 暂停至该日（含）；{"until": null, "reason"} 解除暂停。',
    responses=[400, 401, 403, 404, 409, 422],
)
def suspension(expert_id: int, body: dict[str, Any]) -> Any:
    user, expert = _visible_expert(expert_id)
    if body["until"] is None:
        commit_or_abort(lambda: operations.lift(user, expert, body["reason"]))
    else:
        commit_or_abort(lambda: operations.suspend(user, expert, body["until"], body["reason"]))
    return queries.credit_to_dict(expert)


@bp.get("/experts/<int:expert_id>/leave")
@bp.auth_required(token_auth)
@bp.output(LeaveOut(many=True))
@bp.doc(summary="专家的请假记录（专家本人或协调员）", responses=[401, 403, 404])
def list_leave(expert_id: int) -> Any:
    _user, expert = _visible_expert(expert_id, experts_too=True)
    return [queries.leave_to_dict(row) for row in leave.leaves_of(expert)]


@bp.post("/experts/<int:expert_id>/leave")
@bp.auth_required(token_auth)
@bp.input(LeaveIn, arg_name="body")
@bp.output(LeaveOut, status_code=201)
@bp.doc(
    summary="登记请假（专家本人，或协调员代为登记）",
    description="start/end 可为日期（全天，结束日含当日）或本地时间。请假期间不参加抽取；"
    "覆盖已接受或待答复的评审会时自动谢绝并补抽，会前不足24小时请假按迟退扣分。",
    responses=[400, 401, 403, 404, 422],
)
def declare_leave(expert_id: int, body: dict[str, Any]) -> Any:
    user, expert = _visible_expert(expert_id, experts_too=True)
    (start, whole_start), (end, whole_end) = body["start"], body["end"]
    outcome = commit_or_abort(
        lambda: leave.declare(user, expert, start, end, body["reason"], all_day=whole_start and whole_end)
    )
    return queries.leave_to_dict(outcome.leave, outcome.declined)


@bp.delete("/experts/<int:expert_id>/leave/<int:leave_id>")
@bp.auth_required(token_auth)
@bp.output(LeaveOut)
@bp.doc(summary="撤销请假", responses=[401, 403, 404, 409])
def withdraw_leave(expert_id: int, leave_id: int) -> Any:
    user, expert = _visible_expert(expert_id, experts_too=True)
    row = db.session.get(Leave, leave_id)
    if row is None or row.expert_id != expert.id:
        api_abort(404, _("请假记录不存在"))
    commit_or_abort(lambda: leave.withdraw(user, row))
    return queries.leave_to_dict(row)
