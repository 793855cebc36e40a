"""/api/v1/plans: a batch of panel requests solved off the request."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import current_app
from flask_babel import gettext as _

from ..auth.api import require_coordinator, token_auth
from ..errors import api_abort
from ..extensions import db
from ..models import Plan
from ..operations import OperationError
from ..panels.operations import panel_to_dict
from . import applying, operations, runner
from .schemas import PlanApplyOut, PlanItemIn, PlanOut

bp = APIBlueprint("plans_api", __name__, url_prefix="/api/v1/plans", tag="年度评审计划")


def _visible(plan_id: int) -> Plan:
    plan = operations.get_visible_plan(require_coordinator(), plan_id)
    if plan is None:
        api_abort(404, _("计划不存在"))
    return plan


@bp.post("")
@bp.auth_required(token_auth)
@bp.input(PlanItemIn(many=True), arg_name="body")
@bp.output(PlanOut, status_code=202)
@bp.doc(
    summary="提交一批评审组请求，作为一个整体在后台求解",
    description="返回 202 和计划编号；用 GET /api/v1/plans/{id} 查看进度和结果。",
    responses=[400, 401, 403, 422],
)
def create(body: list[dict[str, Any]]) -> Any:
    user = require_coordinator()
    try:
        plan = operations.create_plan(user, body)
    except OperationError as e:
        db.session.rollback()
        api_abort(e.status, e.message, e.fields, e.code)
    db.session.commit()
    runner.start(current_app._get_current_object(), plan.id)  # type: ignore[attr-defined]
    return operations.plan_to_dict(plan, with_result=False)


@bp.get("/<int:plan_id>")
@bp.auth_required(token_auth)
@bp.output(PlanOut)
@bp.doc(summary="计划的进度和求解结果", responses=[401, 403, 404])
def get(plan_id: int) -> Any:
    return operations.plan_to_dict(_visible(plan_id))


@bp.post("/<int:plan_id>/apply")
@bp.auth_required(token_auth)
@bp.output(PlanApplyOut, status_code=201)
@bp.doc(summary="按计划的求解结果创建评审组（各附抽取记录）", responses=[401, 403, 404, 409])
def apply(plan_id: int) -> Any:
    plan = _visible(plan_id)
    try:
        result = applying.apply_plan(require_coordinator(), plan)
    except OperationError as e:
        db.session.rollback()
        api_abort(e.status, e.message, e.fields, e.code)
    db.session.commit()
    return {
        "panels": [panel_to_dict(p) for p in result.created],
        "skipped": [{"index": i, "message": m} for i, m in result.skipped],
    }
