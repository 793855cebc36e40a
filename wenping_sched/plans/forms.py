from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..validation import Form


class PlanForm(Form):
    title = StringField(_l("计划名称"), validators=[Optional(), Length(max=200)])
    file = FileField(
        _l("请求文件（CSV 或 XLSX）"),
        validators=[FileAllowed(["csv", "xlsx"], _l("只能上传 .csv 或 .xlsx 文件"))],
    )
    rows = TextAreaField(_l("或直接粘贴（CSV，第一行为表头）"), validators=[Optional(), Length(max=200_000)])
