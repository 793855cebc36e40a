"""/api/v1/experts"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import request
from flask_babel import gettext as _
from marshmallow import ValidationError

from ..auth.api import require_coordinator, token_auth
from ..errors import api_abort, flatten_fields, not_in_scope
from ..extensions import db
from ..models import Expert
from ..operations import OperationError
from ..standing.queries import credit_to_dict
from . import operations, queries
from .schemas import ExpertIn, ExpertOut, ExpertPatch, ExpertQuery

bp = APIBlueprint("experts_api", __name__, url_prefix="/api/v1/experts", tag="专家")
# Experts in one POST: a prefecture's pools are a few hundred in all.
MAX_BATCH = 500


def _commit_or_abort(e: OperationError) -> None:
    db.session.rollback()
    api_abort(e.status, e.message, e.fields, e.code)


def _one(expert: Expert) -> dict[str, Any]:
    """One expert as GET, PATCH and DELETE answer: with this year's load and the credit object."""
    out = operations.expert_to_dict(expert, queries.loads([expert.id])[expert.id])
    out["credit"] = credit_to_dict(expert)
    return out


def get_visible_expert(expert_id: int) -> Expert:
    user = require_coordinator()
    expert = db.session.get(Expert, expert_id)
    if expert is None:
        api_abort(404, _("专家不存在"))
    if not user.can_see_pool(expert.pool.code):
        not_in_scope(f"expert:{expert_id}", _("专家不存在"))
    return expert


@bp.post("")
@bp.auth_required(token_auth)
@bp.input(ExpertIn, arg_name="body", validation=False)
@bp.output(ExpertOut(many=True), status_code=201)
@bp.doc(
    summary="新增专家（一个对象或一个列表）",
    description="请求体可以是一个专家对象，也可以是专家对象的列表；全部成功或全部不写入。",
    responses=[400, 401, 403, 409, 422],
)
def create_experts(body: Any = None) -> Any:
    user = require_coordinator()
    raw = request.get_json(silent=True)
    if raw is None:
        api_abort(400, _("请求体不是有效的 JSON"))
    many = isinstance(raw, list)
    if many and not raw:
        api_abort(422, _("专家列表不能为空"))
    if many and len(raw) > MAX_BATCH:
        api_abort(
            422, _("一次最多新增 %(n)d 名专家", n=MAX_BATCH), {"_schema": _("最多 %(n)d 个", n=MAX_BATCH)}
        )
    try:
        items = ExpertIn(many=many).load(raw)
    except ValidationError as e:
        fields = flatten_fields(e.messages)
        api_abort(422, _("请求数据不符合规则：") + "；".join(f"{k}：{v}" for k, v in fields.items()), fields)
    try:
        experts = operations.create_experts(user, items if many else [items])
    except OperationError as e:
        _commit_or_abort(e)
    db.session.commit()
    return [operations.expert_to_dict(x) for x in experts]


@bp.get("")
@bp.auth_required(token_auth)
@bp.input(ExpertQuery, location="query", arg_name="query")
@bp.output(ExpertOut(many=True))
@bp.doc(summary="专家列表（按本人可见范围）", responses=[401, 403])
def list_experts(query: dict[str, Any]) -> Any:
    user = require_coordinator()
    experts = list(db.session.scalars(queries.experts_query(user, **query)))
    loads = queries.loads([x.id for x in experts])
    return [operations.expert_to_dict(x, loads[x.id]) for x in experts]


@bp.get("/<int:expert_id>")
@bp.auth_required(token_auth)
@bp.output(ExpertOut)
@bp.doc(summary="一名专家", responses=[401, 403, 404])
def get_expert(expert_id: int) -> Any:
    expert = get_visible_expert(expert_id)
    return _one(expert)


@bp.patch("/<int:expert_id>")
@bp.auth_required(token_auth)
@bp.input(ExpertPatch, arg_name="body")
@bp.output(ExpertOut)
@bp.doc(summary="修改专家信息", responses=[401, 403, 404, 409, 422])
def patch_expert(expert_id: int, body: dict[str, Any]) -> Any:
    expert = get_visible_expert(expert_id)
    try:
        operations.update_expert(require_coordinator(), expert, body)
    except OperationError as e:
        _commit_or_abort(e)
    db.session.commit()
    return _one(expert)


@bp.delete("/<int:expert_id>")
@bp.auth_required(token_auth)
@bp.output(ExpertOut)
@bp.doc(summary="专家出库（保留档案，不再抽取）", responses=[401, 403, 404])
def retire_expert(expert_id: int) -> Any:
    expert = get_visible_expert(expert_id)
    try:
        operations.retire_expert(require_coordinator(), expert)
    except OperationError as e:
        _commit_or_abort(e)
    db.session.commit()
    return _one(expert)
