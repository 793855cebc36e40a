"""/api/v1/matters/{id}/panels, the witnessed draw (/matters/{id}/draws, /draws/{id}/reveal), /panels/{id}"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask_babel import gettext as _

from ..auth.api import require_coordinator, token_auth
from ..draws import operations as draw_operations
from ..draws import records as draw_records
from ..draws.api import get_visible_draw
from ..draws.schemas import DrawCommitOut, RevealIn
from ..errors import api_abort, not_in_scope
from ..extensions import db
from ..matters.api import get_visible_matter
from ..models import Panel
from ..operations import OperationError, commit_or_abort
from . import operations
from .schemas import PanelOut, PanelRequestIn, RescheduleIn

bp = APIBlueprint("panels_api", __name__, url_prefix="/api/v1", tag="评审组")


def _fail(e: OperationError) -> None:
    db.session.rollback()
    # A failed draw is still on the record: the audit entry is committed on its own.
    api_abort(e.status, e.message, e.fields, e.code, **e.extra)


def _fail_with(e: OperationError) -> None:
    api_abort(e.status, e.message, e.fields, e.code, **e.extra)


def get_visible_panel(panel_id: int) -> Panel:
    user = require_coordinator()
    panel = db.session.get(Panel, panel_id)
    if panel is None:
        api_abort(404, _("评审组不存在"))
    if not user.can_see_county(panel.matter.county):
        not_in_scope(f"panel:{panel_id}", _("评审组不存在"))
    return panel


@bp.post("/matters/<int:matter_id>/panels")
@bp.auth_required(token_auth)
@bp.input(PanelRequestIn, arg_name="body")
@bp.output(PanelOut, status_code=201)
@bp.doc(
    summary="为事项随机抽取评审组（一步抽取，提议）",
    description="专家库与回避单位取自事项：先本县区专家库，再市级专家库；回避事项的责任主体与相关单位。"
    "一步完成承诺与揭晓，不设监督人（监督人输入为空）；需要见证时用 POST /api/v1/matters/{id}/draws。"
    "请求中不能指定 seed（422）。无法组成时返回 422 和求解器给出的原因（error.reasons）。",
    responses=[400, 401, 403, 404, 422],
)
def propose(matter_id: int, body: dict[str, Any]) -> Any:
    user = require_coordinator()
    matter = get_visible_matter(matter_id)
    try:
        panel = operations.propose_panel(user, matter, body)
    except OperationError as e:
        db.session.commit()  # keep the audit entry of the failed draw
        _fail(e)
    db.session.commit()
    return operations.panel_to_dict(panel)


@bp.post("/matters/<int:matter_id>/draws")
@bp.auth_required(token_auth)
@bp.input(PanelRequestIn, arg_name="body")
@bp.output(DrawCommitOut, status_code=201)
@bp.doc(
    summary="见证抽取第一步：固定抽签表并公布承诺值",
    description="抽签表（各组专家及彩票数）此刻固定；系统保存秘密 nonce，只公布 "
    'commitment = sha256(f"{nonce}:{lottery_digest}")。随后由监督人说出自己的数字，'
    "用 POST /api/v1/draws/{id}/reveal 揭晓。无法组成时返回 422 和原因。",
    responses=[400, 401, 403, 404, 422],
)
def commit_draw(matter_id: int, body: dict[str, Any]) -> Any:
    user = require_coordinator()
    matter = get_visible_matter(matter_id)
    try:
        record = operations.commit_draw(user, matter, body)
    except OperationError as e:
        db.session.commit()  # the audit entry of a failed draw stays; nothing else was written
        _fail_with(e)
    db.session.commit()
    data = draw_records.record_to_dict(record)
    return {key: data[key] for key in ("id", "status", "commitment", "fingerprint", "lottery")}


@bp.post("/draws/<int:draw_id>/reveal")
@bp.auth_required(token_auth)
@bp.input(RevealIn, arg_name="body")
@bp.output(PanelOut, status_code=201)
@bp.doc(
    summary="见证抽取第二步：以监督人的输入揭晓，得到拟定的评审组",
    description='seed = int(sha256(f"{nonce}:{witness_input}"), 16) % 2**31；中签号与抽中组合按 SOLVER.md。'
    "每次抽取只能揭晓一次（之后 409）；"
    "若承诺后数据变化使抽中组合违反规则，返回 409，该次抽取作废并保留原因。",
    responses=[400, 401, 403, 404, 409, 422],
)
def reveal_draw(draw_id: int, body: dict[str, Any]) -> Any:
    user = require_coordinator()
    record = get_visible_draw(draw_id)
    try:
        revealed = draw_operations.reveal(user, record, body["witness"].strip(), body["witness_input"])
    except draw_operations.DrawAbandoned as e:
        db.session.commit()  # the abandoned draw is kept, with why
        _fail_with(e)
    except OperationError as e:
        db.session.rollback()
        _fail_with(e)
    db.session.commit()
    return operations.panel_to_dict(revealed.panel)


@bp.get("/panels/<int:panel_id>")
@bp.auth_required(token_auth)
@bp.output(PanelOut)
@bp.doc(summary="评审组及其成员状态", responses=[401, 403, 404])
def get_panel(panel_id: int) -> Any:
    return operations.panel_to_dict(get_visible_panel(panel_id))


@bp.post("/panels/<int:panel_id>/confirm")
@bp.auth_required(token_auth)
@bp.output(PanelOut)
@bp.doc(summary="确认评审组并发出邀请", responses=[401, 403, 404, 409])
def confirm(panel_id: int) -> Any:
    panel = get_visible_panel(panel_id)
    commit_or_abort(lambda: operations.confirm_panel(require_coordinator(), panel))
    return operations.panel_to_dict(panel)


@bp.post("/panels/<int:panel_id>/reschedule")
@bp.auth_required(token_auth)
@bp.input(RescheduleIn, arg_name="body")
@bp.output(PanelOut)
@bp.doc(summary="为原成员在新窗口内另找时间", responses=[400, 401, 403, 404, 409, 422])
def reschedule(panel_id: int, body: dict[str, Any]) -> Any:
    panel = get_visible_panel(panel_id)
    commit_or_abort(lambda: operations.reschedule(require_coordinator(), panel, tuple(body["window"])))
    return operations.panel_to_dict(panel)


@bp.post("/panels/<int:panel_id>/cancel")
@bp.auth_required(token_auth)
@bp.output(PanelOut)
@bp.doc(summary="取消评审组", responses=[401, 403, 404, 409])
def cancel(panel_id: int) -> Any:
    panel = get_visible_panel(panel_id)
    commit_or_abort(lambda: operations.cancel(require_coordinator(), panel))
    return operations.panel_to_dict(panel)
