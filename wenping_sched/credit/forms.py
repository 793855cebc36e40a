"""The credit pages' forms: the evaluation of a panel, manual entries, suspension, leave, the rules."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    ValidationError,
)
from wtforms import Form as SubForm
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..standing.points import Rules
from ..validation import Form, one_line_text


def attendance_choices() -> list[SelectChoice]:
    return [
        SelectChoice("present", _l("按时出席")),
        SelectChoice("late", _l("迟到")),
        SelectChoice("absent", _l("缺席")),
    ]


def score_choices() -> list[SelectChoice]:
    scores = [SelectChoice(str(n), _l("%(n)d 分", n=n)) for n in range(5, 0, -1)]
    return [*scores, SelectChoice("", _l("不评分（缺席）"))]


class MemberRating(SubForm):
    """One member's line of the evaluation form (a sub-form: the CSRF token is the outer form's)."""

    expert_id = HiddenField()
    # Choices checked below, with messages in Chinese (WTForms' own would be English).
    attendance = RadioField(
        _l("出席情况"), choices=attendance_choices(), default="present", validate_choice=False
    )
    score = SelectField(_l("评分"), choices=score_choices(), default="4", validate_choice=False)
    remarks = StringField(_l("备注"), validators=[Optional(), Length(max=500), one_line_text])

    def validate_expert_id(self, field: HiddenField) -> None:
        if not str(field.data or "").isdigit() or len(str(field.data)) > 10:
            raise ValidationError(_l("专家编号无效"))

    def validate_attendance(self, field: RadioField) -> None:
        if field.data not in ("present", "late", "absent"):
            raise ValidationError(_l("请选择出席情况"))

    def validate_score(self, field: SelectField) -> None:
        if field.data and field.data not in ("1", "2", "3", "4", "5"):
            raise ValidationError(_l("评分应为 1 到 5 分"))
        if not field.data and self.attendance.data != "absent":
            raise ValidationError(_l("出席的成员须评分"))


class EvaluationForm(Form):
    members = FieldList(FormField(MemberRating))

    def items(self) -> list[dict[str, Any]]:
        return [
            {
                "expert_id": int(entry.expert_id.data),
                "attendance": entry.attendance.data,
                "score": int(entry.score.data) if entry.score.data else None,
                "remarks": entry.remarks.data or "",
            }
            for entry in self.members
        ]


class ManualEntryForm(Form):
    delta = IntegerField(
        _l("加减分"),
        validators=[
            InputRequired(_l("请填写分数")),
            NumberRange(min=-100, max=100, message=_l("应在 -100 到 100 之间")),
        ],
    )
    reason = StringField(_l("原因"), validators=[DataRequired(_l("请填写原因")), Length(max=200)])


class SuspendForm(Form):
    until = DateField(_l("暂停至（含当日）"), validators=[DataRequired(_l("请选择日期"))])
    reason = StringField(_l("暂停原因"), validators=[DataRequired(_l("请填写原因")), Length(max=200)])


class LiftForm(Form):
    reason = StringField(_l("解除原因"), validators=[DataRequired(_l("请填写原因")), Length(max=200)])


class LeaveForm(Form):
    """Leave in whole days: what an expert types on a phone."""

    start = DateField(_l("开始日期"), validators=[DataRequired(_l("请选择开始日期"))])
    end = DateField(_l("结束日期（含当日）"), validators=[DataRequired(_l("请选择结束日期"))])
    reason = StringField(_l("事由（可选）"), validators=[Optional(), Length(max=200)])

    def validate_start(self, field: DateField) -> None:
        if field.data and not 2000 <= field.data.year <= 2100:
            raise ValidationError(_l("日期应在 2000 年到 2100 年之间"))

    def validate_end(self, field: DateField) -> None:
        if field.data and not 2000 <= field.data.year <= 2100:
            raise ValidationError(_l("日期应在 2000 年到 2100 年之间"))
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_l("结束日期不能早于开始日期"))


def _points(label: Any) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            InputRequired(_l("请填写")),
            NumberRange(min=0, max=100, message=_l("应在 0 到 100 之间")),
        ],
    )


class RulesForm(Form):
    absent = _points(_l("无故缺席扣分"))
    late_decline = _points(_l("会前不足24小时谢绝已接受的邀请（含请假）扣分"))
    late = _points(_l("迟到扣分"))
    low_score = _points(_l("评分1分或2分扣分"))
    threshold = _points(_l("低于多少分暂停抽取"))
    suspension_months = IntegerField(
        _l("暂停抽取期限（月）"),
        validators=[InputRequired(_l("请填写")), NumberRange(min=1, max=36, message=_l("应在 1 到 36 之间"))],
    )
    reason = StringField(_l("修改说明（可选）"), validators=[Optional(), Length(max=200)])

    def fill(self, rules: Rules) -> RulesForm:
        for key, value in rules.values().items():
            self[key].data = value
        return self

    def values(self) -> dict[str, int]:
        return {
            key: int(self[key].data)
            for key in ("absent", "late_decline", "late", "low_score", "threshold", "suspension_months")
        }
