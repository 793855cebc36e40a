"""Writing experts: create, update, retire. Every write is audited in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import Expert, ExpertBusy, Pool, Sector, User, utcnow
from ..operations import OperationError
from ..timeutil import iso_local


def resolve_pool(user: User, code: str) -> Pool:
    if code in ("市级", "市级专家库"):
        code = "city"
    pool = db.session.scalar(select(Pool).where(Pool.code == code))
    if pool is None:
        raise OperationError(_("未知的专家库：%(p)s", p=code), 422, {"pool": _("未知的专家库")})
    if not user.is_city and pool.code != user.scope:
        raise OperationError(_("县区协调员只能维护本县区专家库"), 403, {"pool": _("无权维护该专家库")})
    return pool


def resolve_sectors(names: list[str]) -> list[Sector]:
    wanted = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    found = {s.name: s for s in db.session.scalars(select(Sector).where(Sector.name.in_(wanted)))}
    unknown = [n for n in wanted if n not in found or not found[n].active]
    if unknown:
        raise OperationError(
            _("未知的专业领域：%(s)s", s="、".join(unknown)),
            422,
            {"sectors": _("未知的专业领域：%(s)s", s="、".join(unknown))},
        )
    if not wanted:
        raise OperationError(_("至少需要一个专业领域"), 422, {"sectors": _("至少需要一个专业领域")})
    return [found[n] for n in wanted]


def _check_phone(phone: str | None, expert_id: int | None, user: User) -> None:
    if not phone:
        return
    other = db.session.scalar(select(Expert).where(Expert.phone == phone))
    if other is not None and other.id != expert_id:
        if not user.can_see_pool(other.pool.code):
            # Another county's expert: the number is taken, and that is all the caller learns.
            message = _("手机号 %(p)s 已登记在您无权查看的专家库中", p=phone)
        else:
            message = _("手机号 %(p)s 已属于专家 %(n)s（编号 %(id)d）", p=phone, n=other.name, id=other.id)
        raise OperationError(message, 409, {"phone": _("手机号已存在")})


def _apply(expert: Expert, user: User, data: dict[str, Any]) -> None:
    if "pool" in data:
        expert.pool = resolve_pool(user, data["pool"])
    if "sectors" in data:
        expert.sectors = resolve_sectors(data["sectors"])
    for key in ("name", "employer", "title", "senior", "max_load", "email"):
        if key in data:
            value = data[key]
            setattr(expert, key, value.strip() if isinstance(value, str) else value)
    if "phone" in data:
        _check_phone(data["phone"], expert.id, user)
        expert.phone = data["phone"]
    if "interests" in data:
        expert.interests = list(dict.fromkeys(i.strip() for i in data["interests"] if i.strip()))
    if "prior_load" in data:
        expert.prior_load = data["prior_load"]
    if "busy" in data:
        expert.busy = [ExpertBusy(start=s, end=e) for s, e in data["busy"]]


def create_experts(user: User, items: list[dict[str, Any]]) -> list[Expert]:
    """Create experts; all or none (the caller commits)."""
    created = []
    phones: set[str] = set()
    for i, data in enumerate(items):
        try:
            if data.get("phone"):
                if data["phone"] in phones:
                    raise OperationError(_("同一请求中手机号重复"), 409, {"phone": _("手机号重复")})
                phones.add(data["phone"])
            expert = Expert(name="", employer="", prior_load=0, interests=[], active=True)
            _apply(expert, user, data)
            db.session.add(expert)
            db.session.flush()
        except OperationError as e:
            if len(items) > 1:
                e.fields = {f"{i}.{k}": v for k, v in e.fields.items()}
            raise
        created.append(expert)
        audit.record("expert.create", user, target=f"expert:{expert.id}", name=expert.name)
    return created


def update_expert(user: User, expert: Expert, data: dict[str, Any]) -> Expert:
    if not user.is_city and expert.pool.code != user.scope:
        raise OperationError(_("县区协调员只能维护本县区专家库"), 403)
    _apply(expert, user, data)
    audit.record("expert.update", user, target=f"expert:{expert.id}", fields=sorted(data))
    return expert


def retire_expert(user: User, expert: Expert) -> Expert:
    """Retire: kept in the archive with every draw record, never drawn again."""
    if not user.is_city and expert.pool.code != user.scope:
        raise OperationError(_("县区协调员只能维护本县区专家库"), 403)
    if expert.active:
        expert.active = False
        expert.retired_at = utcnow()
        audit.record("expert.retire", user, target=f"expert:{expert.id}", name=expert.name)
    return expert


def reinstate_expert(user: User, expert: Expert, reason: str) -> Expert:
    """出库 undone (恢复入库): the expert is drawn again; who and why go into the audit log."""
    if not user.is_city and expert.pool.code != user.scope:
        raise OperationError(_("县区协调员只能维护本县区专家库"), 403)
    reason = reason.strip()
    if not reason:
        raise OperationError(_("请填写恢复入库的原因"), 422, {"reason": _("请填写恢复入库的原因")})
    if expert.active:
        raise OperationError(_("该专家在库，无需恢复"), 409)
    retired_at = expert.retired_at
    expert.active = True
    expert.retired_at = None
    audit.record(
        "expert.reinstate",
        user,
        target=f"expert:{expert.id}",
        name=expert.name,
        reason=reason[:500],
        retired_at=iso_local(retired_at),
    )
    return expert


def expert_to_dict(expert: Expert, load: int = 0, with_contact: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": expert.id,
        "name": expert.name,
        "pool": expert.pool.code,
        "employer": expert.employer,
        "sectors": expert.sector_names,
        "senior": expert.senior,
        "interests": list(expert.interests or []),
        "busy": [[iso_local(b.start), iso_local(b.end)] for b in expert.busy],
        "load": (expert.prior_load or 0) + load,
        "max_load": expert.max_load,
        "title": expert.title,
        "active": expert.active,
    }
    if with_contact:
        out["phone"] = expert.phone
        out["email"] = expert.email
    return out


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
