"""/api/v1/departments"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema, fields
from sqlalchemy import select

from ..auth.api import current_api_user, token_auth
from ..extensions import db
from ..models import Department

bp = APIBlueprint("departments_api", __name__, url_prefix="/api/v1/departments", tag="联席会议成员单位")


class ContactOut(Schema):
    id = fields.Integer()
    name = fields.String()
    position = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class DepartmentOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    required = fields.Boolean(metadata={"description": "是否为联席会议必到单位"})
    contacts = fields.List(fields.Nested(ContactOut))


@bp.get("")
@bp.auth_required(token_auth)
@bp.output(DepartmentOut(many=True))
@bp.doc(summary="联席会议成员单位及联络人", responses=[401])
def list_departments() -> Any:
    user = current_api_user()
    out = []
    for d in db.session.scalars(select(Department).order_by(Department.sort_order, Department.id)):
        contacts = [
            {
                "id": c.id,
                "name": c.name,
                "position": c.position,
                # Phone and e-mail only to coordinators.
                "phone": c.phone if user.is_coordinator else None,
                "email": c.email if user.is_coordinator else None,
            }
            for c in d.contacts
        ]
        out.append({"id": d.id, "code": d.code, "name": d.name, "required": d.required, "contacts": contacts})
    return out
