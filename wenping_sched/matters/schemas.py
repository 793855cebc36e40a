from __future__ import annotations

from apiflask import Schema, fields
from apiflask.validators import Length, OneOf, Range
from flask_babel import lazy_gettext as _l

from ..models import CATEGORIES, COUNTIES, RISK_LEVELS
from ..validation import Line, Text
from ..validation import Schema as InputSchema


class MatterIn(InputSchema):
    title = Line(required=True, max_length=200, metadata={"description": "事项名称"})
    category = fields.String(
        required=True, validate=OneOf(CATEGORIES), metadata={"description": "七类重点事项之一或 其他"}
    )
    county = fields.String(
        load_default=None,
        allow_none=True,
        validate=OneOf(COUNTIES),
        metadata={"description": "所属县区；市级事项为空"},
    )
    responsible_department = Line(
        required=True, max_length=128, metadata={"description": "评估主体/责任主体"}
    )
    related_organisations = fields.List(
        Line(max_length=128),
        load_default=list,
        validate=Length(max=50, error=_l("最多 {max} 个")),
        metadata={"description": "相关单位（专家回避）"},
    )
    description = Text(load_default="", max_length=5000)
    stage = fields.Integer(
        load_default=1, validate=Range(min=1, max=7), metadata={"description": "评估步骤 1–7"}
    )
    risk_level = fields.String(load_default=None, allow_none=True, validate=OneOf(RISK_LEVELS))


class PanelSummary(Schema):
    id = fields.Integer()
    status = fields.String()
    start = fields.String(allow_none=True)
    end = fields.String(allow_none=True)


class DrawSummary(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "committed | revealed | abandoned"})
    kind = fields.String(metadata={"description": "draw | redraw（补抽） | plan | legacy"})
    created_at = fields.String()
    panel_id = fields.Integer(allow_none=True)


class MatterOut(Schema):
    id = fields.Integer()
    title = fields.String()
    category = fields.String()
    county = fields.String(allow_none=True)
    responsible_department = fields.String()
    related_organisations = fields.List(fields.String())
    description = fields.String()
    stage = fields.Integer()
    stage_name = fields.String()
    risk_level = fields.String(allow_none=True)
    created_at = fields.String()
    panels = fields.List(fields.Nested(PanelSummary))
    draws = fields.List(
        fields.Nested(DrawSummary), metadata={"description": "为本事项进行过的每一次抽取（含未揭晓、已作废）"}
    )


class MatterQuery(InputSchema):
    county = fields.String(load_default=None)
    category = fields.String(load_default=None)
    stage = fields.Integer(load_default=None, validate=Range(min=1, max=7))
