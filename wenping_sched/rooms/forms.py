from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..validation import Form


class RoomForm(Form):
    name = StringField(_l("名称"), validators=[DataRequired(_l("请填写会议室名称")), Length(max=64)])
    capacity = IntegerField(
        _l("容纳人数"), validators=[InputRequired(_l("请填写容纳人数")), NumberRange(0, 1000)]
    )
    location = StringField(_l("位置"), validators=[Optional(), Length(max=128)])
