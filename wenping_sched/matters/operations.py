"""Matters: create and move through the seven steps."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from .. import audit
from ..extensions import db
from ..models import Matter, User
from ..operations import OperationError
from ..timeutil import iso_local


def matters_query(
    user: User, county: str | None = None, category: str | None = None, stage: int | None = None
) -> Select[Matter]:
    stmt = select(Matter).order_by(Matter.id.desc())
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


def update_matter(user: User, matter: Matter, data: dict[str, Any]) -> Matter:
    for key in (
        "title",
        "category",
        "responsible_department",
        "related_organisations",
        "description",
        "stage",
        "risk_level",
        "notes",
    ):
        if key in data:
            setattr(matter, key, data[key])
    audit.record("matter.update", user, target=f"matter:{matter.id}", fields=sorted(data))
    return matter


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
