"""The witnessed draw's pages: the committed lottery before the witness speaks, the reveal, the record."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from ..auth.routes import coordinator_required
from ..errors import not_in_scope
from ..extensions import db
from ..models import DrawRecord
from ..operations import OperationError
from . import operations, records
from .forms import WitnessForm

bp = Blueprint("draws", __name__)

VERIFY_DOC = Path(__file__).resolve().parents[2] / "docs" / "verify-draw.md"


def _visible(draw_id: int) -> DrawRecord:
    record = db.session.get(DrawRecord, draw_id)
    if record is None:
        abort(404)
    if not current_user.can_see_county(record.matter.county):
        not_in_scope(f"draw:{draw_id}")
    return record


def _witness_page(record: DrawRecord, form: WitnessForm) -> str:
    return render_template("draws/witness.html", v=records.view(record), form=form)


@bp.get("/draws/<int:draw_id>")
@coordinator_required
def record(draw_id: int) -> str:
    """Committed: the lottery and its fingerprint, waiting for the witness; otherwise the record itself."""
    draw = _visible(draw_id)
    if draw.status == "committed":
        return _witness_page(draw, WitnessForm())
    return render_template("draws/record.html", v=records.view(draw))


@bp.post("/draws/<int:draw_id>/reveal")
@coordinator_required
def reveal(draw_id: int) -> str | tuple[str, int] | WerkzeugResponse:
    draw = _visible(draw_id)
    form = WitnessForm()
    if draw.status == "committed" and not form.validate_on_submit():
        return _witness_page(draw, form), 422
    try:
        revealed = operations.reveal(
            current_user, draw, (form.witness.data or "").strip(), (form.witness_input.data or "").strip()
        )
    except operations.DrawAbandoned as e:
        db.session.commit()  # the abandoned draw is kept, with why
        flash(e.message, "error")
        return redirect(url_for(".record", draw_id=draw_id))
    except OperationError as e:
        db.session.rollback()
        flash(e.message, "error")
        return redirect(url_for(".record", draw_id=draw_id))
    db.session.commit()
    flash(_("已揭晓：抽中 %(n)d 名专家，请核对后确认评审组", n=len(revealed.record.drawn)), "success")
    return redirect(url_for("panels.detail", panel_id=revealed.panel.id))


@bp.get("/draws/<int:draw_id>/record.json")
@coordinator_required
def download(draw_id: int) -> Response:
    """The record as GET /api/v1/draws/{id} gives it: the file verify-draw reads."""
    data = records.record_to_dict(_visible(draw_id))
    body = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="draw-{draw_id}.json"'
    return response


@bp.get("/help/verify-draw")
def verify_help() -> str:
    """How anyone holding a record checks it: the page of documentation with its stand-alone script."""
    text = VERIFY_DOC.read_text(encoding="utf-8") if VERIFY_DOC.is_file() else ""
    return render_template("draws/verify_help.html", text=text)
