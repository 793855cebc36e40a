"""/offices: each 维稳办's name and phone, which every mail and RSVP page of its matters gives."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..auth.routes import coordinator_required
from ..extensions import db
from ..models import Pool, User
from ..operations import OperationError
from . import operations
from .forms import OfficeForm

bp = Blueprint("offices", __name__, url_prefix="/offices")


def _user() -> User:
    return cast(User, current_user._get_current_object())


def _page(failed: Pool | None = None, failed_form: OfficeForm | None = None) -> str:
    user = _user()
    rows = []
    for pool in db.session.scalars(select(Pool).order_by(Pool.sort_order)):
        form = None
        if operations.may_edit(user, pool):
            if failed is not None and pool.id == failed.id:
                form = failed_form
            else:
                form = OfficeForm(
                    formdata=None, prefix=f"o{pool.id}", name=pool.office, phone=pool.office_phone
                )
        rows.append((pool, form))
    return render_template("offices/index.html", rows=rows)


@bp.get("")
@coordinator_required
def index() -> str:
    return _page()


@bp.post("/<int:pool_id>")
@coordinator_required
def update(pool_id: int) -> str | tuple[str, int] | Response:
    pool = db.session.get(Pool, pool_id)
    if pool is None:
        abort(404)
    if not operations.may_edit(_user(), pool):
        abort(403)
    form = OfficeForm(prefix=f"o{pool.id}")
    if form.validate_on_submit():
        try:
            changes = operations.update_office(_user(), pool, form.name.data or "", form.phone.data or "")
        except OperationError as e:
            db.session.rollback()
            flash(e.message, "error")
        else:
            db.session.commit()
            # RSVP pages already rendered name the office: drop them so the next view shows the change.
            from ..invitations.routes import forget_rendered_pages

            forget_rendered_pages()
            flash(_("已保存%(o)s的信息", o=pool.office) if changes else _("没有改动"), "success")
            return redirect(url_for(".index"))
    return _page(pool, form), 422
