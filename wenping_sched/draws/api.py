"""/api/v1/draws/{id}: the record (the commit and the reveal make panels: panels/api.py)."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask_babel import gettext as _

from ..auth.api import require_coordinator, token_auth
from ..errors import api_abort, not_in_scope
from ..extensions import db
from ..models import DrawRecord
from . import records
from .schemas import DrawRecordOut

bp = APIBlueprint("draws_api", __name__, url_prefix="/api/v1", tag="随机抽取")


def get_visible_draw(draw_id: int) -> DrawRecord:
    user = require_coordinator()
    record = db.session.get(DrawRecord, draw_id)
    if record is None:
        api_abort(404, _("抽取记录不存在"))
    if not user.can_see_county(record.matter.county):
        not_in_scope(f"draw:{draw_id}", _("抽取记录不存在"))
    return record


@bp.get("/draws/<int:draw_id>")
@bp.auth_required(token_auth)
@bp.output(DrawRecordOut)
@bp.doc(
    summary="抽取记录（可独立核对）",
    description="揭晓后含 nonce、监督人输入、种子、中签号和抽中专家；任何人可用 wenping-sched verify-draw "
    "或 docs/verify-draw.md 中的脚本重新计算承诺值、种子、中签号和抽中组合。",
    responses=[401, 403, 404],
)
def get_draw(draw_id: int) -> Any:
    return records.record_to_dict(get_visible_draw(draw_id))
