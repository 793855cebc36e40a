"""Forms of the personal pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..experts.forms import BusyForm
from ..validation import Form

__all__ = ["BusyForm", "ConfirmForm", "ContactBusyForm", "InterestsForm"]


class ContactBusyForm(BusyForm):
    contact_id = SelectField(_l("联络人"), coerce=int)


class InterestsForm(Form):
    interests = TextAreaField(
        _l("利害关系单位（每行一个）"), validators=[Optional(), Length(max=4000)], render_kw={"rows": 6}
    )

    def names(self) -> list[str]:
        return [line.strip() for line in (self.interests.data or "").splitlines() if line.strip()]


class ConfirmForm(Form):
    attendee = StringField(_l("出席人姓名"), validators=[Optional(), Length(max=64)])
    reason = StringField(_l("不能参会的原因（可选）"), validators=[Optional(), Length(max=500)])
