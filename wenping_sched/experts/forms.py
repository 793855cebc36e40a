"""The experts pages' forms: the list filters, one expert, and the spreadsheet upload."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..extensions import db
from ..models import Expert, Pool, Sector, User, pool_label
from ..validation import MAX_LOAD, Form

# The same separators the importer accepts, so a pasted spreadsheet cell works here too.
LIST_SEPARATORS = re.compile(r"[、;,；，\r\n]+")
MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"(0\d{2,3})(\d{7,8})")


def split_list(text: str | None) -> list[str]:
    """A textarea of names (one per line, or separated by 、,;) as its distinct items, in order."""
    items = (item.strip() for item in LIST_SEPARATORS.split(text or ""))
    return list(dict.fromkeys(item for item in items if item))


def normalise_phone(value: str) -> str | None:
    """A mobile as 11 digits, a landline as 0937-2612345 (as the importer stores them); None if neither."""
    digits = re.sub(r"[\s\-－()（）]", "", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    if MOBILE.fullmatch(digits):
        return digits
    m = LANDLINE.fullmatch(digits)
    if m:
        # Beijing (010) and the 02x cities have three-digit area codes, the rest four.
        split = 3 if digits.startswith(("01", "02")) else 4
        if 7 <= len(digits) - split <= 8:
            return f"{digits[:split]}-{digits[split:]}"
    return None


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


ALL = SelectChoice("", _l("全部"))


def pool_choices(pools: list[Pool]) -> list[SelectChoice]:
    return [SelectChoice(p.code, pool_label(p.code)) for p in pools]


def sector_choices(sectors: list[Sector]) -> list[SelectChoice]:
    return [SelectChoice(s.name) for s in sectors]


def maintainable_pools(user: User) -> list[Pool]:
    """The pools a coordinator may add experts to or move experts into: a county only its own."""
    stmt = select(Pool).order_by(Pool.sort_order)
    if not user.is_city:
        stmt = stmt.where(Pool.code == user.scope)
    return list(db.session.scalars(stmt))


def active_sectors() -> list[Sector]:
    return list(db.session.scalars(select(Sector).where(Sector.active.is_(True)).order_by(Sector.sort_order)))


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes, one per choice."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ExpertFilterForm(Form):
    """The GET filters above the experts table; no CSRF, they change nothing."""

    class Meta:
        csrf = False

    q = StringField(
        _l("搜索"),
        filters=[_strip],
        validators=[Optional(), Length(max=100)],
        render_kw={"type": "search", "placeholder": _l("姓名、手机、单位或专业领域")},
    )
    pool = SelectField(_l("专家库"), validate_choice=False)
    sector = SelectField(_l("专业领域"), validate_choice=False)
    senior = SelectField(
        _l("高级职称"),
        choices=[ALL, SelectChoice("1", _l("是")), SelectChoice("0", _l("否"))],
        validate_choice=False,
    )
    active = SelectField(
        _l("状态"),
        choices=[
            SelectChoice("1", _l("在库")),
            SelectChoice("0", _l("出库")),
            SelectChoice("all", _l("全部")),
        ],
        default="1",
        validate_choice=False,
    )
    # Credit: suspended experts only (or only those who can be drawn), and the order by points.
    suspended = SelectField(
        _l("暂停抽取"),
        choices=[ALL, SelectChoice("yes", _l("暂停中")), SelectChoice("no", _l("可抽取"))],
        validate_choice=False,
    )
    sort = SelectField(
        _l("排序"),
        choices=[
            SelectChoice("", _l("按专家库")),
            SelectChoice("points", _l("信用分从低到高")),
            SelectChoice("-points", _l("信用分从高到低")),
        ],
        validate_choice=False,
    )

    def setup(self, pools: list[Pool], sectors: list[Sector]) -> ExpertFilterForm:
        self.pool.choices = [ALL, *pool_choices(pools)]
        self.sector.choices = [ALL, *sector_choices(sectors)]
        return self

    def query_args(self) -> dict[str, Any]:
        """The filters as experts_query() arguments."""
        senior = {"1": True, "0": False}.get(self.senior.data or "")
        active = {"1": True, "0": False, "all": None}.get(self.active.data or "1", True)
        return {
            "q": (self.q.data or "")[:100] or None,
            "pool": self.pool.data or None,
            "sector": self.sector.data or None,
            "senior": senior,
            "active": active,
        }

    def link_args(self, **changes: Any) -> dict[str, Any]:
        """The filters in force as query arguments for a link (paging, a pool card, the export),
        with ``changes`` applied; a value of None drops that filter."""
        args = {
            name: field.data
            for name, field in self._fields.items()
            if field.data not in (None, "") and not (name == "active" and field.data == "1")
        }
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "")}


class ExpertForm(Form):
    name = StringField(
        _l("姓名"), filters=[_strip], validators=[DataRequired(_l("请填写姓名")), Length(max=64)]
    )
    # Choices are the pools the user may maintain; an unlisted pool is refused by the operation,
    # whose message says why (a county coordinator maintains only the county's pool).
    pool = SelectField(_l("专家库"), validate_choice=False)
    employer = StringField(
        _l("工作单位"), filters=[_strip], validators=[DataRequired(_l("请填写工作单位")), Length(max=128)]
    )
    title = StringField(_l("职称"), filters=[_strip], validators=[Optional(), Length(max=64)])
    senior = BooleanField(_l("高级职称"))
    sectors = MultiCheckboxField(_l("专业领域"), validate_choice=False)
    interests = TextAreaField(_l("利害关系单位（回避单位）"), validators=[Length(max=4000)])
    phone = StringField(
        _l("手机"),
        filters=[_strip],
        validators=[Optional(), Length(max=32)],
        render_kw={"type": "tel", "autocomplete": "tel", "inputmode": "tel"},
    )
    email = StringField(
        _l("邮箱"),
        filters=[_strip],
        validators=[Optional(), Length(max=254), Email(_l("不是有效的电子邮箱地址"))],
    )
    max_load = IntegerField(
        _l("本年度评审次数上限"),
        validators=[Optional(), NumberRange(min=0, max=MAX_LOAD, message=_l("应在 0 到 %(max)d 之间"))],
    )

    def setup(self, pools: list[Pool], sectors: list[Sector]) -> ExpertForm:
        self.pool.choices = pool_choices(pools)
        self.sectors.choices = sector_choices(sectors)
        return self

    def validate_sectors(self, field: MultiCheckboxField) -> None:
        if not field.data:
            raise ValidationError(_l("至少选择一个专业领域"))

    def validate_phone(self, field: StringField) -> None:
        if field.data:
            phone = normalise_phone(field.data)
            if phone is None:
                raise ValidationError(_l("不是有效的电话号码；应为11位手机号或如 0937-2612345 的固定电话"))
            field.data = phone

    def fill(self, expert: Expert) -> None:
        """Show a stored expert in the form (GET)."""
        self.name.data = expert.name
        self.pool.data = expert.pool.code
        self.employer.data = expert.employer
        self.title.data = expert.title
        self.senior.data = expert.senior
        self.sectors.data = expert.sector_names
        self.interests.data = "\n".join(expert.interests or [])
        self.phone.data = expert.phone
        self.email.data = expert.email
        self.max_load.data = expert.max_load

    def to_data(self) -> dict[str, Any]:
        """The form as operations.create_experts/update_expert data."""
        return {
            "name": self.name.data,
            "pool": self.pool.data or "",
            "employer": self.employer.data,
            "title": self.title.data or "",
            "senior": bool(self.senior.data),
            "sectors": list(self.sectors.data or []),
            "interests": split_list(self.interests.data),
            "phone": self.phone.data or None,
            "email": self.email.data or None,
            "max_load": self.max_load.data,
        }


class ImportForm(Form):
    file = FileField(
        _l("专家名单文件（CSV 或 XLSX）"),
        validators=[
            FileRequired(_l("请选择要导入的文件")),
            FileAllowed(["csv", "xlsx"], _l("只能上传 .csv 或 .xlsx 文件")),
        ],
    )


class ReinstateForm(Form):
    """恢复入库: why a retired expert comes back (kept in the audit log)."""

    reason = TextAreaField(
        _l("恢复入库的原因"),
        filters=[_strip],
        validators=[
            DataRequired(_l("请填写恢复入库的原因")),
            Length(max=500, message=_l("最多500字")),
        ],
        render_kw={"rows": 2},
    )


class BusyForm(Form):
    start = DateTimeLocalField(
        _l("开始"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("请填写开始时间"))]
    )
    end = DateTimeLocalField(
        _l("结束"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("请填写结束时间"))]
    )
    reason = StringField(_l("事由（可选）"), validators=[Optional(), Length(max=128)])
