"""Writing an office's name and phone; audited field by field in the same transaction."""

from __future__ import annotations

from flask_babel import gettext as _

from .. import audit
from ..models import Pool, User, office_label
from ..operations import OperationError


def may_edit(user: User, pool: Pool) -> bool:
    """The city office keeps every office's details; a county coordinator their own."""
    return user.is_city or (user.is_coordinator and pool.code == user.scope)


def update_office(user: User, pool: Pool, name: str, phone: str) -> dict[str, list[str]]:
    """Set the office's name and phone; returns the changes as {field: [before, after]}."""
    if not may_edit(user, pool):
        raise OperationError(_("县区协调员只能修改本县区维稳办的信息"), 403)
    # The default name (酒泉市维稳办, 肃州区维稳办) is kept as empty, so it follows the pool.
    stored_name = "" if name == office_label(pool.code) else name
    changes: dict[str, list[str]] = {}
    if pool.office_name != stored_name:
        changes["office_name"] = [pool.office, name]
        pool.office_name = stored_name
    if pool.office_phone != phone:
        changes["office_phone"] = [pool.office_phone, phone]
        pool.office_phone = phone
    if changes:
        audit.record("office.update", user, target=f"pool:{pool.code}", changes=changes)
    return changes
