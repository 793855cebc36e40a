"""Writes of the personal pages; each writes the audit log, the views commit."""

from __future__ import annotations

from flask_babel import gettext as _

from .. import audit

# The expert's busy periods are the experts domain's: the personal pages write them through it.
from ..experts.operations import add_expert_busy, remove_expert_busy
from ..models import Expert, User
from ..operations import OperationError

__all__ = ["MAX_INTERESTS", "add_expert_busy", "remove_expert_busy", "set_interests"]

MAX_INTERESTS = 50


def set_interests(user: User, expert: Expert, names: list[str]) -> Expert:
    """The organisations the expert declares a stake in: draws avoid the expert for their matters."""
    cleaned: list[str] = []
    for name in names:
        name = name.strip()[:128]
        if name and name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > MAX_INTERESTS:
        raise OperationError(
            _("最多填写 %(n)d 个单位", n=MAX_INTERESTS),
            422,
            {"interests": _("最多 %(n)d 个", n=MAX_INTERESTS)},
        )
    before = list(expert.interests or [])
    expert.interests = cleaned
    audit.record("expert.interests", user, target=f"expert:{expert.id}", before=before, after=cleaned)
    return expert
