"""The credit API's request and response schemas (they also write the OpenAPI)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from apiflask import Schema, fields
from apiflask.validators import Length, OneOf, Range
from flask_babel import gettext as _
from marshmallow import ValidationError, validates_schema

from ..models.credit import ATTENDANCE
from ..standing.schemas import CreditEntryOut, CreditOut
from ..timeutil import at_local, parse_local
from ..validation import Schema as InputSchema

DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


class DayOrTime(fields.Field):
    """A whole day (2026-12-07) or a local time (2026-12-07T08:30); loads as (datetime, whole_day)."""

    def __init__(self, end: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("type", "string")
        kwargs["metadata"].setdefault("example", "2026-12-07")
        super().__init__(**kwargs)
        self.end = end

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> tuple[datetime, bool]:
        if not isinstance(value, str):
            raise ValidationError(_("不是有效的日期或时间（应为 2026-12-07 或 2026-12-07T08:30）"))
        try:
            if DATE_ONLY.fullmatch(value):
                day = date.fromisoformat(value)
                # A whole day ends at the next midnight: the end date is inclusive.
                return at_local(day + timedelta(days=1) if self.end else day, time(0, 0)), True
            return parse_local(value), False
        except (ValueError, OverflowError) as e:
            raise ValidationError(_("不是有效的日期或时间（应为 2026-12-07 或 2026-12-07T08:30）")) from e


class EvaluationIn(InputSchema):
    expert_id = fields.Integer(
        required=True, strict=True, validate=Range(min=1, max=2**31 - 1), metadata={"description": "专家编号"}
    )
    attendance = fields.String(
        required=True,
        validate=OneOf(ATTENDANCE),
        metadata={"description": "present（按时出席）、late（迟到）或 absent（缺席）"},
    )
    score = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=Range(min=1, max=5),
        metadata={"description": "评分 1–5；缺席的成员可不填"},
    )
    remarks = fields.String(load_default="", validate=Length(max=500), metadata={"description": "备注"})


class EvaluationOut(Schema):
    expert_id = fields.Integer()
    name = fields.String()
    attendance = fields.String()
    score = fields.Integer(allow_none=True)
    remarks = fields.String()
    version = fields.Integer(metadata={"description": "第几版（更正后递增）"})
    at = fields.String(metadata={"description": "评价时间"})
    by = fields.String(allow_none=True)


class ExpertCreditOut(CreditOut):
    """The credit object as the suspension endpoint answers it (its own name in the OpenAPI)."""


class ManualEntryIn(InputSchema):
    delta = fields.Integer(
        required=True,
        strict=True,
        validate=Range(min=-100, max=100),
        metadata={"description": "加减分（非零）"},
    )
    reason = fields.String(required=True, validate=Length(min=1, max=200), metadata={"description": "原因"})


class ManualEntryOut(CreditEntryOut):
    id = fields.Integer()
    score = fields.Integer(metadata={"description": "录入后的本年度信用分"})
    suspended_until = fields.String(allow_none=True)


class SuspensionIn(InputSchema):
    until = fields.Date(
        required=True, allow_none=True, metadata={"description": "暂停至（含当日）；null 为解除"}
    )
    reason = fields.String(required=True, validate=Length(min=1, max=200), metadata={"description": "原因"})


class LeaveIn(InputSchema):
    start = DayOrTime(required=True, metadata={"description": "开始：日期（全天）或本地时间"})
    end = DayOrTime(end=True, required=True, metadata={"description": "结束：日期（含当日）或本地时间"})
    reason = fields.String(load_default="", validate=Length(max=200), metadata={"description": "事由"})

    @validates_schema
    def _order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "start" in data and "end" in data and data["end"][0] <= data["start"][0]:
            raise ValidationError(_("结束时间必须晚于开始时间"), field_name="end")


class DeclinedOut(Schema):
    panel_id = fields.Integer()
    was_accepted = fields.Boolean()
    replacements = fields.List(fields.Integer(), metadata={"description": "补抽的专家编号"})
    redraw_failed = fields.String(allow_none=True, metadata={"description": "无法补抽时的原因"})
    delta = fields.Integer(allow_none=True, metadata={"description": "会前不足24小时请假的扣分"})


class LeaveOut(Schema):
    id = fields.Integer()
    expert_id = fields.Integer()
    start = fields.String()
    end = fields.String()
    all_day = fields.Boolean()
    label = fields.String()
    reason = fields.String()
    on_behalf = fields.Boolean(metadata={"description": "由协调员代为登记"})
    withdrawn_at = fields.String(allow_none=True)
    declined = fields.List(fields.Nested(DeclinedOut), metadata={"description": "因本次请假谢绝的评审组"})
