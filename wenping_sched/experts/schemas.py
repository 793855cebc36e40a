"""The experts API's request and response schemas (they also write the OpenAPI)."""

from __future__ import annotations

from apiflask import Schema, fields
from apiflask.validators import Email, Length, Range

from ..credit.schemas import CreditOut
from ..fields import Interval

_NAME = Length(min=1, max=64)


class ExpertIn(Schema):
    name = fields.String(required=True, validate=_NAME, metadata={"description": "姓名"})
    pool = fields.String(
        required=True,
        validate=Length(min=1, max=32),
        metadata={"description": "专家库：city 或县区名称，如 敦煌市"},
    )
    employer = fields.String(
        required=True, validate=Length(min=1, max=128), metadata={"description": "工作单位"}
    )
    sectors = fields.List(
        fields.String(validate=Length(min=1, max=32)),
        required=True,
        validate=Length(min=1),
        metadata={"description": "专业领域，至少一个"},
    )
    senior = fields.Boolean(load_default=False, metadata={"description": "是否高级职称"})
    interests = fields.List(
        fields.String(validate=Length(min=1, max=128)),
        load_default=list,
        metadata={"description": "申报的利害关系单位"},
    )
    busy = fields.List(Interval(), load_default=list, metadata={"description": "不可参会的时间段"})
    # Named with data_key: a field called "load" would shadow Schema.load.
    prior_load = fields.Integer(
        data_key="load",
        load_default=0,
        validate=Range(min=0),
        metadata={"description": "本系统之外已承担的评审次数"},
    )
    max_load = fields.Integer(
        allow_none=True,
        load_default=None,
        validate=Range(min=0),
        metadata={"description": "本年度评审次数上限，空为不限"},
    )
    title = fields.String(load_default="", validate=Length(max=64), metadata={"description": "职称"})
    phone = fields.String(
        allow_none=True, load_default=None, validate=Length(min=5, max=32), metadata={"description": "手机"}
    )
    email = fields.String(
        allow_none=True,
        load_default=None,
        validate=[Length(max=254), Email()],
        metadata={"description": "邮箱"},
    )


class ExpertPatch(Schema):
    """Only the fields sent are changed; no defaults are filled in."""

    name = fields.String(validate=_NAME)
    pool = fields.String(validate=Length(min=1, max=32))
    employer = fields.String(validate=Length(min=1, max=128))
    sectors = fields.List(fields.String(validate=Length(min=1, max=32)), validate=Length(min=1))
    senior = fields.Boolean()
    interests = fields.List(fields.String(validate=Length(min=1, max=128)))
    busy = fields.List(Interval())
    prior_load = fields.Integer(data_key="load", validate=Range(min=0))
    max_load = fields.Integer(allow_none=True, validate=Range(min=0))
    title = fields.String(validate=Length(max=64))
    phone = fields.String(allow_none=True, validate=Length(min=5, max=32))
    email = fields.String(allow_none=True, validate=[Length(max=254), Email()])


class ExpertOut(Schema):
    id = fields.Integer()
    name = fields.String()
    pool = fields.String()
    employer = fields.String()
    sectors = fields.List(fields.String())
    senior = fields.Boolean()
    interests = fields.List(fields.String())
    busy = fields.List(fields.List(fields.String()))
    load_ = fields.Integer(
        data_key="load", attribute="load", metadata={"description": "本年度评审次数（含已有记录）"}
    )
    max_load = fields.Integer(allow_none=True)
    title = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    active = fields.Boolean()
    credit = fields.Nested(
        CreditOut, metadata={"description": "信用：本年度信用分、暂停抽取至、各项加减分（仅单个专家）"}
    )


class ExpertQuery(Schema):
    pool = fields.String(load_default=None, metadata={"description": "按专家库筛选"})
    sector = fields.String(load_default=None, metadata={"description": "按专业领域筛选"})
    senior = fields.Boolean(load_default=None)
    active = fields.Boolean(load_default=True, metadata={"description": "默认只列在库专家"})
