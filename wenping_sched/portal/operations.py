"""Writes of the personal pages; each writes the audit log, the views commit."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from .. import audit
from ..extensions import db
from ..models import Expert, ExpertBusy, User
from ..operations import OperationError
from ..timeutil import iso_local

MAX_INTERESTS = 50


def add_expert_busy(
    user: User, expert: Expert, start: datetime, end: datetime, reason: str = ""
) -> ExpertBusy:
    """A period the expert cannot attend: later draws keep the expert's panels out of it.

    Entered by a coordinator (the expert phoned the office), it says so on the expert's own page.
    """
    if end <= start:
        raise OperationError(_("结束时间必须晚于开始时间"), 422, {"end": _("结束时间必须晚于开始时间")})
    on_behalf = user.is_coordinator
    busy = ExpertBusy(
        expert=expert,
        start=start,
        end=end,
        reason=reason.strip()[:128],
        entered_by_id=user.id if on_behalf else None,
    )
    db.session.add(busy)
    db.session.flush()
    audit.record(
        "expert.busy_add",
        user,
        target=f"expert:{expert.id}",
        start=iso_local(start),
        end=iso_local(end),
        on_behalf=on_behalf,
    )
    return busy


def remove_expert_busy(user: User, busy: ExpertBusy) -> None:
    audit.record("expert.busy_remove", user, target=f"expert:{busy.expert_id}", start=iso_local(busy.start))
    db.session.delete(busy)


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
