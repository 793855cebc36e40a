from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from ..validation import Form

# Typed by a person: no control characters (they would break the printed record and exports).
_PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]*$")


class WitnessForm(Form):
    witness = StringField(
        _l("监督人姓名"),
        validators=[
            DataRequired(_l("请填写监督人姓名")),
            Length(max=64, message=_l("姓名不能超过 64 个字")),
            Regexp(_PRINTABLE, message=_l("姓名中有不可见的控制字符")),
        ],
    )
    witness_input = StringField(
        _l("监督人自行想好的数字"),
        validators=[
            DataRequired(_l("请监督人输入自己想好的数字")),
            Length(min=4, max=200, message=_l("请输入 4 到 200 个字符")),
            Regexp(_PRINTABLE, message=_l("输入中有不可见的控制字符")),
        ],
    )

    def validate_witness(self, field: StringField) -> None:
        if not (field.data or "").strip():
            raise ValidationError(_l("请填写监督人姓名"))
