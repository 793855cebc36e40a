"""/api/v1/matters"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask_babel import gettext as _

from ..auth.api import require_coordinator, token_auth
from ..errors import api_abort, not_in_scope
from ..extensions import db
from ..models import Matter
from ..operations import OperationError
from . import operations
from .schemas import MatterIn, MatterOut, MatterQuery

bp = APIBlueprint("matters_api", __name__, url_prefix="/api/v1/matters", tag="重大事项")


def get_visible_matter(matter_id: int) -> Matter:
    user = require_coordinator()
    matter = db.session.get(Matter, matter_id)
    if matter is None:
        api_abort(404, _("事项不存在"))
    if not user.can_see_county(matter.county):
        not_in_scope(f"matter:{matter_id}", _("事项不存在"))
    return matter


@bp.post("")
@bp.auth_required(token_auth)
@bp.input(MatterIn, arg_name="body")
@bp.output(MatterOut, status_code=201)
@bp.doc(summary="登记重大事项", responses=[400, 401, 403, 422])
def create_matter(body: dict[str, Any]) -> Any:
    user = require_coordinator()
    try:
        matter = operations.create_matter(user, body)
    except OperationError as e:
        db.session.rollback()
        api_abort(e.status, e.message, e.fields)
    db.session.commit()
    return operations.matter_to_dict(matter)


@bp.get("")
@bp.auth_required(token_auth)
@bp.input(MatterQuery, location="query", arg_name="query")
@bp.output(MatterOut(many=True))
@bp.doc(summary="本人可见范围内的事项", responses=[401, 403])
def list_matters(query: dict[str, Any]) -> Any:
    user = require_coordinator()
    return [operations.matter_to_dict(m) for m in db.session.scalars(operations.matters_query(user, **query))]


@bp.get("/<int:matter_id>")
@bp.auth_required(token_auth)
@bp.output(MatterOut)
@bp.doc(summary="一个事项及其评审组", responses=[401, 403, 404])
def get_matter(matter_id: int) -> Any:
    return operations.matter_to_dict(get_visible_matter(matter_id))
