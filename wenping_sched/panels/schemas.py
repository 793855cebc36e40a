from __future__ import annotations

from typing import Any

from apiflask import Schema, fields
from apiflask.validators import Length, Range
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, pre_load

from ..fields import Interval
from ..validation import Line
from ..validation import Schema as InputSchema


class ExclusionIn(InputSchema):
    expert_id = fields.Integer(required=True, validate=Range(min=1, max=2**31 - 1))
    reason = Line(
        load_default="", max_length=200, allow_blank=True, metadata={"description": "指定回避的理由"}
    )


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
    exclusions = fields.List(
        fields.Nested(ExclusionIn),
        load_default=list,
        validate=Length(max=100),
        metadata={"description": "协调员指定回避的专家及理由，抽取记录中列明"},
    )

    @pre_load(pass_collection=True)
    def refuse_seed(self, data: Any, many: bool, **kwargs: Any) -> Any:
        """Nobody chooses the randomness of a real draw: a seed in the body is refused by name."""
        message = _("不接受指定随机种子：抽取的随机性来自系统密钥和监督人的输入，任何人都不能选择")
        items = data if many and isinstance(data, list) else [data]
        bad = {
            i: {"seed": [message]}
            for i, item in enumerate(items)
            if isinstance(item, dict) and "seed" in item
        }
        if bad:
            raise ValidationError(bad if many else bad[0])
        return data


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
    draw = fields.Integer(allow_none=True, metadata={"description": "产生本组的抽取记录编号"})
    draws = fields.List(fields.Integer(), metadata={"description": "本组的全部抽取记录编号（含补抽）"})
    warnings = fields.List(
        fields.Dict(), metadata={"description": "求解器的提示，如 calendar_unknown（该年放假安排尚未录入）"}
    )
