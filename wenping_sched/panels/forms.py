from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..validation import Form

# Rows of "exclude this expert, for this reason" on the request form.
EXCLUSION_ROWS = 3


class PanelRequestForm(Form):
    size = IntegerField(
        _l("评审组人数"), default=5, validators=[InputRequired(_l("请填写人数")), NumberRange(1, 50)]
    )
    min_senior = IntegerField(_l("高级职称至少"), default=1, validators=[InputRequired(), NumberRange(0, 50)])
    window_start = DateTimeLocalField(
        _l("最早开始"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("请填写时间窗口"))]
    )
    window_end = DateTimeLocalField(
        _l("最晚结束"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("请填写时间窗口"))]
    )
    duration_minutes = IntegerField(
        _l("会议时长（分钟）"), default=180, validators=[InputRequired(), NumberRange(30, 600)]
    )
    room = SelectField(_l("会议室"), choices=[], default="", validate_choice=True)
    place = StringField(_l("或填写其他地点"), validators=[Optional(), Length(max=128)])

    def setup(self, rooms: list[str]) -> PanelRequestForm:
        self.room.choices = [("", _l("不使用会议室（在下方填写地点）")), *((r, r) for r in rooms)]
        return self

    @property
    def location(self) -> str:
        """A room (booked with the panel) or a place typed in; empty means 待定."""
        return (self.room.data or "").strip() or (self.place.data or "").strip()


def seat_field_name(sector: str) -> str:
    return f"seat_{sector}"


def read_seats(form_data: Any, sectors: list[str]) -> tuple[dict[str, int], str | None]:
    """The per-sector seat counts posted with the form ({} for none), or an error message."""
    seats: dict[str, int] = {}
    for sector in sectors:
        raw = (form_data.get(seat_field_name(sector)) or "").strip()
        if not raw:
            continue
        if not raw.isdigit():
            return {}, str(_l("「%(s)s」席位数应为非负整数", s=sector))
        if int(raw) > 0:
            seats[sector] = int(raw)
    return seats, None


def read_exclusions(form_data: Any, known: set[int]) -> tuple[list[dict[str, Any]], str | None]:
    """The experts excluded on the form, each with the reason typed beside it; or an error message."""
    out: list[dict[str, Any]] = []
    for i in range(EXCLUSION_ROWS):
        raw = (form_data.get(f"exclude_{i}") or "").strip()
        reason = (form_data.get(f"exclude_reason_{i}") or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or int(raw) not in known:
            return [], str(_l("指定回避的专家不在本事项的抽取范围内"))
        if not reason:
            return [], str(_l("请写明指定回避的理由（抽取记录中列明）"))
        if len(reason) > 200 or any(ord(c) < 32 for c in reason):
            return [], str(_l("回避理由不超过 200 字，且不含控制字符"))
        out.append({"expert_id": int(raw), "reason": reason})
    return out, None
