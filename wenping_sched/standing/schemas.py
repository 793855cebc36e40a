"""An expert's credit as the API answers it: on the expert (experts.schemas) and from the credit API."""

from __future__ import annotations

from apiflask import Schema, fields


class CreditEntryOut(Schema):
    delta = fields.Integer(metadata={"description": "加减分"})
    reason = fields.String()
    at = fields.String(metadata={"description": "事件时间（计入该年度）"})
    by = fields.String(allow_none=True, metadata={"description": "录入人；系统自动记录时为空"})


class CreditOut(Schema):
    score = fields.Integer(metadata={"description": "本年度信用分（每年从 100 分起算）"})
    year = fields.Integer()
    suspended_until = fields.String(allow_none=True, metadata={"description": "暂停抽取至（含当日）"})
    entries = fields.List(fields.Nested(CreditEntryOut))
