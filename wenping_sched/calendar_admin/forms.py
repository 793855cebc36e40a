from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..validation import Form


class DayForm(Form):
    date = DateField(_l("日期"), validators=[DataRequired(_l("请填写日期"))])
    kind = SelectField(
        _l("类型"), choices=[SelectChoice("holiday", _l("放假")), SelectChoice("workday", _l("调休上班"))]
    )
    note = StringField(_l("说明（如：国庆节）"), validators=[Optional(), Length(max=64)])


class ImportForm(Form):
    text = TextAreaField(_l("日期列表"), validators=[Optional()])
    file = FileField(_l("或上传文本/CSV 文件"))


class YearForm(Form):
    year = IntegerField(_l("年份"), validators=[DataRequired(), NumberRange(2000, 2100)])
