"""marshmallow fields shared by the API schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apiflask import fields
from marshmallow import ValidationError

from .timeutil import iso_local, parse_local
from .validation import year_problem


class LocalDateTime(fields.Field):
    """An ISO 8601 time, local to Asia/Shanghai unless it carries an offset."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("type", "string")
        kwargs["metadata"].setdefault("format", "date-time")
        kwargs["metadata"].setdefault("example", "2026-03-02T08:30")
        super().__init__(**kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return iso_local(value) if value is not None else None

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str):
            raise ValidationError("不是有效的日期时间（应为 ISO 8601，如 2026-03-02T08:30）")
        try:
            parsed = parse_local(value)
        except (ValueError, OverflowError) as e:
            raise ValidationError("不是有效的日期时间（应为 ISO 8601，如 2026-03-02T08:30）") from e
        problem = year_problem(parsed)
        if problem:
            raise ValidationError(problem)
        return parsed


def validate_interval(value: list[datetime]) -> None:
    if len(value) != 2:
        raise ValidationError("时间段应为 [开始, 结束] 两个元素")
    if value[1] <= value[0]:
        raise ValidationError("结束时间必须晚于开始时间")


def Interval(**kwargs: Any) -> fields.List:
    """A half-open time interval [start, end]."""
    return fields.List(LocalDateTime(), validate=validate_interval, **kwargs)
