"""The form for one office's name and phone."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from ..experts.forms import normalise_phone
from ..validation import Form


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class OfficeForm(Form):
    name = StringField(
        _l("办公室名称"),
        filters=[_strip],
        validators=[DataRequired(_l("请填写办公室名称")), Length(max=64, message=_l("最多64个字"))],
    )
    phone = StringField(
        _l("联系电话"),
        filters=[_strip],
        validators=[Optional(), Length(max=32, message=_l("最多32个字符"))],
        render_kw={"type": "tel", "autocomplete": "tel"},
    )

    def validate_phone(self, field: StringField) -> None:
        if field.data:
            phone = normalise_phone(field.data)
            if phone is None:
                raise ValidationError(_l("不是有效的电话号码；应为11位手机号或如 0937-2612345 的固定电话"))
            field.data = phone
