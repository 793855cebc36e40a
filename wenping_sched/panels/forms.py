from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from ..validation import Form


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
    location = StringField(_l("地点"), validators=[Optional()])
    seed = IntegerField(_l("随机种子（可不填）"), validators=[Optional(), NumberRange(0, 2**31 - 1)])


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
