from __future__ import annotations

from apiflask import Schema, fields
from apiflask.validators import Length, Range
from flask_babel import lazy_gettext as _l

from ..fields import Interval
from ..validation import Line
from ..validation import Schema as InputSchema


class PanelRequestIn(InputSchema):
    size = fields.Integer(
        required=True, validate=Range(min=1, max=50), metadata={"description": "评审组人数"}
    )
    seats = fields.Dict(
        keys=Line(max_length=32),
        values=fields.Integer(validate=Range(min=0, max=50)),
        load_default=dict,
        metadata={"description": '各专业领域席位，如 {"法律": 1}'},
    )
    min_senior = fields.Integer(
        load_default=1, validate=Range(min=0, max=50), metadata={"description": "高级职称至少人数"}
    )
    window = Interval(required=True, metadata={"description": "可开会的时间窗口 [开始, 结束]"})
    duration_minutes = fields.Integer(
        required=True, validate=Range(min=1, max=600), metadata={"description": "会议时长（分钟）"}
    )
    location = Line(load_default="", max_length=128, allow_blank=True, metadata={"description": "地点"})
    seed = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=Range(min=0, max=2**31 - 1),
        metadata={"description": "随机种子；不填则由系统生成并记录"},
    )
    # data_key: a field called "exclude" would shadow Schema.exclude.
    exclude_ = fields.List(
        fields.Integer(),
        data_key="exclude",
        attribute="exclude",
        load_default=list,
        validate=Length(max=1000, error=_l("最多 {max} 个")),
        metadata={"description": "协调员指定回避的专家编号"},
    )
    conflicts = fields.List(
        Line(max_length=128),
        load_default=list,
        validate=Length(max=50, error=_l("最多 {max} 个")),
        metadata={"description": "事项之外需回避的单位"},
    )


class RescheduleIn(InputSchema):
    window = Interval(required=True, metadata={"description": "新的时间窗口 [开始, 结束]"})


class MemberOut(Schema):
    expert_id = fields.Integer()
    name = fields.String()
    seat = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "proposed | pending | accepted | declined | replaced"})


class PanelOut(Schema):
    id = fields.Integer()
    matter_id = fields.Integer()
    status = fields.String(metadata={"description": "proposed | inviting | confirmed | cancelled"})
    start = fields.String(allow_none=True)
    end = fields.String(allow_none=True)
    seed = fields.Integer()
    size = fields.Integer()
    location = fields.String()
    seats = fields.Dict(keys=fields.String(), values=fields.List(fields.Integer()))
    members = fields.List(fields.Nested(MemberOut))
    draws = fields.List(fields.Integer(), metadata={"description": "抽取记录编号"})
    warnings = fields.List(
        fields.Dict(), metadata={"description": "求解器的提示，如 calendar_unknown（该年放假安排尚未录入）"}
    )
