"""The experts API's request and response schemas (they also write the OpenAPI)."""

from __future__ import annotations

from apiflask import Schema, fields
from apiflask.validators import Email, Length, Range
from flask_babel import lazy_gettext as _l

from ..fields import Interval
from ..standing.schemas import CreditOut
from ..validation import MAX_LOAD, Line
from ..validation import Schema as InputSchema

MAX_INTERESTS = 50
MAX_BUSY = 500
_LOAD = Range(min=0, max=MAX_LOAD, error=_l("应在 {min} 到 {max} 之间"))
_PHONE = Length(min=5, error=_l("手机号至少 {min} 位"))
_EMAIL = Email(error=_l("不是有效的电子邮件地址"))
_AT_MOST = _l("最多 {max} 个")
_SECTORS = Length(min=1, max=20, error=_l("应有 {min} 到 {max} 个"))


class ExpertIn(InputSchema):
    name = Line(required=True, max_length=64, metadata={"description": "姓名"})
    pool = Line(required=True, max_length=32, metadata={"description": "专家库：city 或县区名称，如 敦煌市"})
    employer = Line(required=True, max_length=128, metadata={"description": "工作单位"})
    sectors = fields.List(
        Line(max_length=32),
        required=True,
        validate=_SECTORS,
        metadata={"description": "专业领域，至少一个"},
    )
    senior = fields.Boolean(load_default=False, metadata={"description": "是否高级职称"})
    interests = fields.List(
        Line(max_length=128),
        load_default=list,
        validate=Length(max=MAX_INTERESTS, error=_AT_MOST),
        metadata={"description": "申报的利害关系单位"},
    )
    busy = fields.List(
        Interval(),
        load_default=list,
        validate=Length(max=MAX_BUSY, error=_AT_MOST),
        metadata={"description": "不可参会的时间段"},
    )
    # Named with data_key: a field called "load" would shadow Schema.load.
    prior_load = fields.Integer(
        data_key="load",
        load_default=0,
        validate=_LOAD,
        metadata={"description": f"本系统之外已承担的评审次数（0–{MAX_LOAD}）"},
    )
    max_load = fields.Integer(
        allow_none=True,
        load_default=None,
        validate=_LOAD,
        metadata={"description": f"本年度评审次数上限（0–{MAX_LOAD}），空为不限"},
    )
    title = Line(load_default="", max_length=64, allow_blank=True, metadata={"description": "职称"})
    phone = Line(
        allow_none=True, load_default=None, max_length=32, validate=_PHONE, metadata={"description": "手机"}
    )
    email = Line(
        allow_none=True, load_default=None, max_length=254, validate=_EMAIL, metadata={"description": "邮箱"}
    )


class ExpertPatch(InputSchema):
    """Only the fields sent are changed; no defaults are filled in."""

    name = Line(max_length=64)
    pool = Line(max_length=32)
    employer = Line(max_length=128)
    sectors = fields.List(
        Line(max_length=32), validate=Length(min=1, max=20, error=_l("应有 {min} 到 {max} 个"))
    )
    senior = fields.Boolean()
    interests = fields.List(Line(max_length=128), validate=Length(max=MAX_INTERESTS, error=_AT_MOST))
    busy = fields.List(Interval(), validate=Length(max=MAX_BUSY, error=_AT_MOST))
    prior_load = fields.Integer(data_key="load", validate=_LOAD)
    max_load = fields.Integer(allow_none=True, validate=_LOAD)
    title = Line(max_length=64, allow_blank=True)
    phone = Line(allow_none=True, max_length=32, validate=_PHONE)
    email = Line(allow_none=True, max_length=254, validate=_EMAIL)


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


class ExpertQuery(InputSchema):
    pool = fields.String(load_default=None, metadata={"description": "按专家库筛选"})
    sector = fields.String(load_default=None, metadata={"description": "按专业领域筛选"})
    senior = fields.Boolean(load_default=None)
    active = fields.Boolean(load_default=True, metadata={"description": "默认只列在库专家"})
