"""The panel pages: request a draw (the witnessed draw's first step), the proposal with reasons, confirm."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..auth.routes import coordinator_required
from ..draws.records import KIND_NAMES, STATUS_NAMES
from ..errors import not_in_scope
from ..extensions import db
from ..models import Expert, Matter, Panel, Pool, Room, Sector
from ..operations import OperationError, commit_or_flash
from ..timeutil import local_now, local_tz
from . import operations
from .forms import EXCLUSION_ROWS, PanelRequestForm, read_exclusions, read_seats, seat_field_name
from .seats import suggested_seats

bp = Blueprint("panels", __name__)


def _visible_matter(matter_id: int) -> Matter:
    matter = db.session.get(Matter, matter_id)
    if matter is None:
        abort(404)
    if not current_user.can_see_county(matter.county):
        not_in_scope(f"matter:{matter_id}")
    return matter


def _visible_panel(panel_id: int) -> Panel:
    panel = db.session.get(Panel, panel_id)
    if panel is None:
        abort(404)
    if not current_user.can_see_county(panel.matter.county):
        not_in_scope(f"panel:{panel_id}")
    return panel


@bp.route("/matters/<int:matter_id>/panels/new", methods=["GET", "POST"])
@coordinator_required
def new(matter_id: int) -> str | Response:
    """The request form; submitting it commits the lottery (the witnessed draw's first step)."""
    matter = _visible_matter(matter_id)
    sectors = list(
        db.session.scalars(select(Sector.name).where(Sector.active.is_(True)).order_by(Sector.sort_order))
    )
    rooms = list(db.session.scalars(select(Room.name).order_by(Room.name)))
    candidates = list(
        db.session.scalars(
            select(Expert)
            .join(Expert.pool)
            .where(Pool.code.in_(matter.pools), Expert.active.is_(True))
            .order_by(Pool.sort_order, Expert.name)
        )
    )
    form = PanelRequestForm().setup(rooms)
    posted: Any = request.form
    if request.method == "GET":
        start = (local_now() + timedelta(days=7)).replace(hour=8, minute=30, second=0, microsecond=0)
        form.window_start.data = start.replace(tzinfo=None)
        form.window_end.data = (start + timedelta(days=10)).replace(hour=18, minute=0).replace(tzinfo=None)
        posted = {seat_field_name(s): str(n) for s, n in suggested_seats(matter.category, sectors).items()}
    reasons: list[dict[str, Any]] = []
    seats, seat_error = read_seats(request.form, sectors)
    exclusions, exclusion_error = read_exclusions(request.form, {e.id for e in candidates})
    errors = [e for e in (seat_error, exclusion_error) if e]
    if form.validate_on_submit() and not errors:
        tz = local_tz()
        data = {
            "size": form.size.data,
            "seats": seats,
            "min_senior": form.min_senior.data,
            "window": (form.window_start.data.replace(tzinfo=tz), form.window_end.data.replace(tzinfo=tz)),
            "duration_minutes": form.duration_minutes.data,
            "location": form.location,
            "exclusions": exclusions,
        }
        try:
            record = operations.commit_draw(current_user, matter, data)
        except OperationError as e:
            db.session.commit()  # the audit entry of a failed draw stays
            flash(e.message, "error")
            reasons = e.extra.get("reasons", [])
        else:
            db.session.commit()
            flash(_("抽签表已固定并公布承诺值，请监督人输入自己想好的数字后揭晓"), "success")
            return redirect(url_for("draws.record", draw_id=record.id))
    for message in errors:
        flash(message, "error")
    return render_template(
        "panels/new.html",
        matter=matter,
        form=form,
        sectors=sectors,
        seat_field_name=seat_field_name,
        posted=posted,
        reasons=reasons,
        candidates=candidates,
        exclusion_rows=range(EXCLUSION_ROWS),
        suggested=suggested_seats(matter.category, sectors),
    )


def _why_eligible(expert: Expert, seat: str | None, pools: list[str]) -> str:
    parts = []
    parts.append(_("本县区专家库") if expert.pool.code == pools[0] and len(pools) > 1 else _("市级专家库"))
    if seat:
        parts.append(_("填补「%(s)s」席位", s=seat))
    if expert.senior:
        parts.append(_("高级职称"))
    parts.append(_("与事项无利害关系，时间空闲"))
    return "；".join(parts)


@bp.get("/panels/<int:panel_id>")
@coordinator_required
def detail(panel_id: int) -> str:
    panel = _visible_panel(panel_id)
    first_draw = panel.draws[0] if panel.draws else None
    pools = panel.matter.pools
    rows = [(m, _why_eligible(m.expert, m.seat, pools)) for m in panel.members]
    return render_template(
        "panels/detail.html",
        panel=panel,
        rows=rows,
        draw=first_draw,
        warnings=operations.warnings(panel),
        kind_names=KIND_NAMES,
        draw_status=STATUS_NAMES,
    )


@bp.post("/panels/<int:panel_id>/confirm")
@coordinator_required
def confirm(panel_id: int) -> Response:
    panel = _visible_panel(panel_id)
    commit_or_flash(
        lambda: operations.confirm_panel(current_user, panel), _("评审组已确认，邀请已进入发送队列")
    )
    return redirect(url_for("panels.detail", panel_id=panel_id))


@bp.post("/panels/<int:panel_id>/cancel")
@coordinator_required
def cancel(panel_id: int) -> Response:
    panel = _visible_panel(panel_id)
    reason = (request.form.get("reason") or "").strip()
    if any(ord(c) < 32 for c in reason) or len(reason) > 500:
        flash(_("取消原因不超过 500 字，且不含控制字符"), "error")
        return redirect(url_for("panels.detail", panel_id=panel_id))
    done = _("评审组已搁置，抽取记录仍保留") if panel.status == "proposed" else _("评审组已取消")
    commit_or_flash(lambda: operations.cancel(current_user, panel, reason), done)
    return redirect(url_for("panels.detail", panel_id=panel_id))
