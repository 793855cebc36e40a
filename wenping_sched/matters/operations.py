"""Matters: create and move through the seven steps."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, or_, select

from .. import audit
from ..extensions import db
from ..models import CATEGORIES, STAGES, Matter, PanelMember, User
from ..operations import OperationError
from ..timeutil import iso_local


def _matches(word: str) -> ColumnElement[bool]:
    """The matter's number, title, county, category, step or responsible department holds ``word``."""
    options: list[ColumnElement[bool]] = [
        Matter.title.icontains(word, autoescape=True),
        Matter.responsible_department.icontains(word, autoescape=True),
        Matter.category.icontains(word, autoescape=True),
        Matter.county.icontains(word, autoescape=True),
    ]
    number = word.lstrip("#＃")
    if number.isdigit() and len(number) < 10:
        options.append(Matter.id == int(number))
    if word in "市级":
        options.append(Matter.county.is_(None))
    stages = [n for n, name in enumerate(STAGES, start=1) if word in name or word == f"第{n}步"]
    if stages:
        options.append(Matter.stage.in_(stages))
    return or_(*options)


def matters_query(
    user: User,
    county: str | None = None,
    category: str | None = None,
    stage: int | None = None,
    q: str | None = None,
) -> Select[Matter]:
    stmt = select(Matter).order_by(Matter.id.desc())
    for word in (q or "").replace("\u3000", " ").split()[:8]:
        stmt = stmt.where(_matches(word))
    if not user.is_city:
        stmt = stmt.where(Matter.county == user.scope)
    if county:
        stmt = stmt.where(Matter.county.is_(None) if county == "city" else Matter.county == county)
    if category:
        stmt = stmt.where(Matter.category == category)
    if stage:
        stmt = stmt.where(Matter.stage == stage)
    return stmt


def create_matter(user: User, data: dict[str, Any]) -> Matter:
    county = data.get("county")
    if not user.is_city and county != user.scope:
        raise OperationError(
            _("县区协调员只能登记本县区的事项"), 403, {"county": _("只能是 %(c)s", c=user.scope)}
        )
    matter = Matter(
        title=data["title"].strip(),
        category=data["category"],
        county=county,
        responsible_department=data["responsible_department"].strip(),
        related_organisations=list(dict.fromkeys(o.strip() for o in data.get("related_organisations", []))),
        description=data.get("description", ""),
        stage=data.get("stage", 1),
        risk_level=data.get("risk_level"),
        created_by_id=user.id,
    )
    db.session.add(matter)
    db.session.flush()
    audit.record("matter.create", user, target=f"matter:{matter.id}", title=matter.title)
    return matter


EDITABLE = (
    "title",
    "category",
    "responsible_department",
    "related_organisations",
    "description",
    "stage",
    "risk_level",
    "notes",
)


def _clean(key: str, value: Any) -> Any:
    if key == "related_organisations":
        return list(dict.fromkeys(o.strip() for o in value or [] if o.strip()))
    if isinstance(value, str) and key not in ("description", "notes"):
        return value.strip()
    return value


def update_matter(user: User, matter: Matter, data: dict[str, Any]) -> dict[str, list[Any]]:
    """Change the matter's fields; the audit entry holds each changed field's value before and after.

    Returns the changes as {field: [before, after]} (nothing changed: nothing recorded).
    """
    if not user.can_see_county(matter.county):
        raise OperationError(_("无权修改该事项"), 403)
    if "category" in data and data["category"] not in CATEGORIES:
        raise OperationError(_("未知的类别"), 422, {"category": _("请从列表中选择")})
    if "stage" in data and not 1 <= int(data["stage"]) <= len(STAGES):
        raise OperationError(_("评估步骤应为1至7"), 422, {"stage": _("请从列表中选择")})
    if "title" in data and not str(data["title"]).strip():
        raise OperationError(_("请填写事项名称"), 422, {"title": _("请填写事项名称")})
    if "responsible_department" in data and not str(data["responsible_department"]).strip():
        raise OperationError(_("请填写评估主体"), 422, {"responsible_department": _("请填写评估主体")})
    changes: dict[str, list[Any]] = {}
    for key in EDITABLE:
        if key not in data:
            continue
        value = _clean(key, data[key])
        before = getattr(matter, key)
        if key == "related_organisations":
            before = list(before or [])
        if before != value:
            changes[key] = [before, value]
            setattr(matter, key, value)
    if changes:
        audit.record("matter.update", user, target=f"matter:{matter.id}", changes=changes)
    return changes


def members_now_in_conflict(matter: Matter) -> list[PanelMember]:
    """Members of the matter's live panels whom its responsible department or related organisations
    now make a party to it (after an edit): the coordinator decides whether they stand down."""
    conflicts = set(matter.conflicts)
    out = []
    for panel in matter.panels:
        if panel.status == "cancelled":
            continue
        for member in panel.members:
            if member.state not in ("proposed", "pending", "accepted"):
                continue
            expert = member.expert
            if expert.employer in conflicts or conflicts & set(expert.interests or []):
                out.append(member)
    return out


def matter_to_dict(matter: Matter) -> dict[str, Any]:
    return {
        "id": matter.id,
        "title": matter.title,
        "category": matter.category,
        "county": matter.county,
        "responsible_department": matter.responsible_department,
        "related_organisations": list(matter.related_organisations or []),
        "description": matter.description,
        "stage": matter.stage,
        "stage_name": matter.stage_name,
        "risk_level": matter.risk_level,
        "created_at": iso_local(matter.created_at),
        "panels": [
            {"id": p.id, "status": p.status, "start": iso_local(p.start), "end": iso_local(p.end)}
            for p in matter.panels
        ],
        # Every draw ever made for the matter: a draw is never deleted, so one set aside stays visible.
        "draws": [
            {
                "id": d.id,
                "status": d.status,
                "kind": d.kind,
                "created_at": iso_local(d.created_at),
                "panel_id": d.panel_id,
            }
            for d in matter.draws
        ],
    }
