"""/api/v1/matters/{id}/panels and /api/v1/panels/{id}"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask_babel import gettext as _

from ..auth.api import require_coordinator, token_auth
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
    summary="为事项随机抽取评审组（提议）",
    description="专家库与回避单位取自事项：先本县区专家库，再市级专家库；回避事项的责任主体与相关单位。"
    "无法组成时返回 422 和求解器给出的原因（error.reasons）。",
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
