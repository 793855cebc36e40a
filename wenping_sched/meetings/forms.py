from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..validation import Form

KIND_CHOICES = [
    SelectChoice("adhoc", _l("临时联席会议")),
    SelectChoice("quarterly", _l("季度联席会议")),
    SelectChoice("analysis", _l("分析研判会议")),
]


class MeetingForm(Form):
    title = StringField(_l("会议名称"), validators=[DataRequired(_l("请填写会议名称")), Length(max=200)])
    agenda = TextAreaField(
        _l("议题"), validators=[Optional(), Length(max=2000, message=_l("议题最多2000字"))]
    )
    kind = SelectField(_l("会议类别"), choices=KIND_CHOICES, default="adhoc")
    window_start = DateTimeLocalField(
        _l("最早开始"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("请填写时间窗口"))]
    )
    window_end = DateTimeLocalField(
        _l("最晚结束"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("请填写时间窗口"))]
    )
    duration_minutes = IntegerField(
        _l("会议时长（分钟）"),
        default=120,
        validators=[InputRequired(_l("请填写会议时长")), NumberRange(30, 600)],
    )
    # The matter an analysis meeting is about; the choices (matters in the user's scope) are set by the view.
    matter_id = SelectField(_l("关于事项"), choices=[], default="", validate_choice=True)


class QuarterlyForm(Form):
    year = IntegerField(_l("年份"), validators=[InputRequired(_l("请填写年份")), NumberRange(2000, 2100)])
    duration_minutes = IntegerField(
        _l("会议时长（分钟）"), default=120, validators=[InputRequired(), NumberRange(30, 600)]
    )


class MoveForm(Form):
    start = StringField(validators=[DataRequired()])


class BusyForm(Form):
    contact_id = SelectField(_l("联络人"), coerce=int)
    start = DateTimeLocalField(
        _l("开始"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("请填写开始时间"))]
    )
    end = DateTimeLocalField(
        _l("结束"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("请填写结束时间"))]
    )
    reason = StringField(_l("事由"), validators=[Optional(), Length(max=128)])


class ContactForm(Form):
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名")), Length(max=64)])
    position = StringField(_l("职务"), validators=[Optional(), Length(max=64)])
    phone = StringField(_l("手机"), validators=[Optional(), Length(max=32)])
    email = StringField(_l("邮箱"), validators=[Optional(), Length(max=254)])
