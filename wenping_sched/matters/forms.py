"""The matters pages' forms: the list filters, registering a matter, and moving it on a step."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length

from ..experts.forms import split_list
from ..models import CATEGORIES, CITY, COUNTIES, RISK_LEVELS, STAGES, Matter, User
from ..validation import Form


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


# Said in Chinese: WTForms' own message is English.
NOT_A_CHOICE = _l("请从列表中选择")
ALL = SelectChoice("", _l("全部"))


def stage_choices() -> list[SelectChoice]:
    return [SelectChoice(str(n), f"{n}. {name}") for n, name in enumerate(STAGES, start=1)]


def risk_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("未定")), *(SelectChoice(r) for r in RISK_LEVELS)]


def county_choices(user: User) -> list[SelectChoice]:
    """Where a matter may be registered: a county coordinator only in the county, never 市级."""
    if not user.is_city:
        return [SelectChoice(user.scope or "")]
    return [SelectChoice("", _l("市级")), *(SelectChoice(c) for c in COUNTIES)]


class MatterFilterForm(Form):
    """The GET filters above the matters table; no CSRF, they change nothing."""

    class Meta:
        csrf = False

    q = StringField(
        _l("搜索"),
        filters=[_strip],
        validators=[Length(max=100)],
        render_kw={"type": "search", "placeholder": _l("编号、名称、县区、类别、步骤或评估主体")},
    )
    county = SelectField(_l("县区"), validate_choice=False)
    category = SelectField(_l("类别"), validate_choice=False)
    stage = SelectField(_l("评估步骤"), validate_choice=False)

    def setup(self, user: User) -> MatterFilterForm:
        counties = [CITY, *COUNTIES] if user.is_city else [user.scope or ""]
        self.county.choices = [ALL, *(SelectChoice(c, _l("市级") if c == CITY else c) for c in counties)]
        self.category.choices = [ALL, *(SelectChoice(c) for c in CATEGORIES)]
        self.stage.choices = [ALL, *stage_choices()]
        return self

    def query_args(self) -> dict[str, Any]:
        """The filters as matters_query() arguments; anything unknown is ignored."""
        stage = self.stage.data or ""
        return {
            "q": (self.q.data or "")[:100] or None,
            "county": self.county.data or None,
            "category": self.category.data or None,
            "stage": int(stage) if stage.isdigit() else None,
        }


class MatterForm(Form):
    title = StringField(
        _l("事项名称"), filters=[_strip], validators=[DataRequired(_l("请填写事项名称")), Length(max=200)]
    )
    category = SelectField(
        _l("类别"), choices=[SelectChoice(c) for c in CATEGORIES], invalid_choice_message=NOT_A_CHOICE
    )
    county = SelectField(_l("所属县区"), invalid_choice_message=NOT_A_CHOICE)
    responsible_department = StringField(
        _l("评估主体（责任单位）"),
        filters=[_strip],
        validators=[DataRequired(_l("请填写评估主体")), Length(max=128)],
    )
    related_organisations = TextAreaField(_l("相关单位"), validators=[Length(max=4000)])
    description = TextAreaField(_l("事项说明"), validators=[Length(max=5000)])
    risk_level = SelectField(
        _l("风险等级"), choices=risk_choices(), default="", invalid_choice_message=NOT_A_CHOICE
    )

    def setup(self, user: User) -> MatterForm:
        self.county.choices = county_choices(user)
        return self

    def validate_related_organisations(self, field: TextAreaField) -> None:
        if any(len(org) > 128 for org in split_list(field.data)):
            raise ValidationError(_l("单位名称过长（每个最多128个字）"))

    def to_data(self) -> dict[str, Any]:
        """The form as operations.create_matter data."""
        return {
            "title": self.title.data or "",
            "category": self.category.data,
            "county": self.county.data or None,
            "responsible_department": self.responsible_department.data or "",
            "related_organisations": split_list(self.related_organisations.data),
            "description": (self.description.data or "").strip(),
            "risk_level": self.risk_level.data or None,
        }


class MatterEditForm(Form):
    """Correct a registered matter: every changed field is audited with its value before and after."""

    title = MatterForm.title
    category = MatterForm.category
    responsible_department = MatterForm.responsible_department
    related_organisations = MatterForm.related_organisations
    description = MatterForm.description
    stage = SelectField(_l("评估步骤"), choices=stage_choices(), invalid_choice_message=NOT_A_CHOICE)

    validate_related_organisations = MatterForm.validate_related_organisations

    def fill(self, matter: Matter) -> None:
        self.title.data = matter.title
        self.category.data = matter.category
        self.responsible_department.data = matter.responsible_department
        self.related_organisations.data = "\n".join(matter.related_organisations or [])
        self.description.data = matter.description
        self.stage.data = str(matter.stage)

    def to_data(self) -> dict[str, Any]:
        return {
            "title": self.title.data or "",
            "category": self.category.data,
            "responsible_department": self.responsible_department.data or "",
            "related_organisations": split_list(self.related_organisations.data),
            "description": (self.description.data or "").strip(),
            "stage": int(self.stage.data),
        }


class StageForm(Form):
    """Move a matter to another of the seven steps, set its risk level and keep notes."""

    stage = SelectField(_l("评估步骤"), choices=stage_choices(), invalid_choice_message=NOT_A_CHOICE)
    risk_level = SelectField(
        _l("风险等级"), choices=risk_choices(), default="", invalid_choice_message=NOT_A_CHOICE
    )
    notes = TextAreaField(_l("备注"), validators=[Length(max=5000)])

    def to_data(self) -> dict[str, Any]:
        return {
            "stage": int(self.stage.data),
            "risk_level": self.risk_level.data or None,
            "notes": (self.notes.data or "").strip(),
        }
