"""Import experts from a coordinator's spreadsheet (CSV or XLSX), all or nothing.

Every row is checked before anything is written, and every problem is reported with its
spreadsheet row number (the header is row 1), the column as headed in the file and the
offending value, so a coordinator can fix the whole file in one go (the first hundred
problems are listed, and how many more there are).

A county coordinator writes only the county's own pool: a row may create an expert there or
update one already there (matched by phone); a phone that belongs to an expert anywhere else
is a row error that names nobody. Every expert created or changed is audited field by field.

Reading the file into text rows, bounded before anything is parsed in full, is ``tables``; this
module checks the rows against the pools and writes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import CITY, COUNTIES, Expert, Pool, Sector, User
from ..validation import printable, text_problem
from .tables import ImportFailed, RowError, fail, format_errors, read_table

# The importer's public names, wherever they are defined (callers and tests import them from here).
__all__ = ["HEADERS", "ImportFailed", "ImportResult", "RowError", "format_errors", "import_experts"]

# Header (as coordinators write it, or in English) → field.
HEADERS = {
    "姓名": "name",
    "专家库": "pool",
    "工作单位": "employer",
    "专业领域": "sectors",
    "职称": "title",
    "高级职称": "senior",
    "利害关系单位": "interests",
    "手机": "phone",
    "邮箱": "email",
}
FIELD_HEADERS = {fieldname: header for header, fieldname in HEADERS.items()}
REQUIRED = ("name", "pool", "employer", "sectors", "phone")

LIST_SEPARATORS = re.compile(r"[、;,；，\r\n]+")
YES = {"是", "y", "yes", "true", "1", "√", "✓", "t"}
NO = {"否", "n", "no", "false", "0", "×", "f", ""}
CITY_NAMES = {"市级", "市级专家库", "市级库", "市", "city", "酒泉市"}
# The two autonomous counties go by their short names in the pools.
COUNTY_FULL_NAMES = {"肃北蒙古族自治县": "肃北县", "阿克塞哈萨克族自治县": "阿克塞县"}
MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{9,11}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")

# Columns that hold a list: a line break inside the cell (Alt+Enter in Excel) separates items.
LIST_FIELDS = ("sectors", "interests")
MAX_INTERESTS = 50


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    rows: int


@dataclass
class _Row:
    """One checked row: the values to write, and which optional columns the file has."""

    number: int
    name: str
    pool: str
    employer: str
    sectors: list[str]
    phone: str
    title: str | None = None
    senior: bool | None = None
    interests: list[str] | None = None
    email: str | None = None
    has: set[str] = field(default_factory=set)


def import_experts(data: bytes, filename: str, user: User | None = None) -> ImportResult:
    """Create or update (matched by phone) the experts in ``data``; raises ImportFailed, writing nothing."""
    try:
        rows = _check(read_table(data, filename), user)
        created, updated = _write(rows, user, filename)
        audit.record(
            "experts.import",
            user,
            target=printable(filename)[:128],
            created=[e.id for e in created],
            updated=[e.id for e in updated],
            rows=len(rows),
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ImportResult(created=len(created), updated=len(updated), rows=len(rows))


# --- checking ------------------------------------------------------------------------------


def _check(table: list[tuple[int, list[str]]], user: User | None = None) -> list[_Row]:
    """Check the header and every row; raises ImportFailed with all problems found."""
    errors: list[RowError] = []
    nonblank = [(n, [c.strip() for c in cells]) for n, cells in table if any(c.strip() for c in cells)]
    if not nonblank:
        fail(_("文件是空的：没有表头，也没有专家"))
    # A sheet may open with a title line (酒泉市稳评专家库名单) above the header row.
    start = next((i for i, (_n, cells) in enumerate(nonblank[:5]) if _header_cells(cells) >= 2), 0)
    nonblank = nonblank[start:]
    header_row, header = nonblank[0]
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    for index, raw in enumerate(header):
        label = _label(raw)
        fieldname = _field(label)
        if fieldname is None:
            continue  # unknown extra columns (备注, 序号...) are ignored
        if fieldname in columns:
            errors.append(
                RowError(header_row, label, "", _("列重复：与「%(other)s」列相同", other=labels[fieldname]))
            )
            continue
        columns[fieldname] = index
        labels[fieldname] = label
    for fieldname in REQUIRED:
        if fieldname not in columns:
            name = FIELD_HEADERS[fieldname]
            errors.append(RowError(header_row, name, "", _("缺少必需的列「%(column)s」", column=name)))
    if errors:
        raise ImportFailed(errors)

    pools = _pool_names()
    sectors = set(db.session.scalars(select(Sector.name).where(Sector.active.is_(True))))
    seen_phones: dict[str, int] = {}
    rows: list[_Row] = []
    for number, cells in nonblank[1:]:

        def cell(fieldname: str, cells: list[str] = cells, number: int = number) -> str:
            index = columns.get(fieldname)
            value = cells[index] if index is not None and index < len(cells) else ""
            multiline = fieldname in LIST_FIELDS
            problem = text_problem(value, multiline)
            if problem:
                # Shown without the offending characters; the rest of the row is still checked.
                value = printable(value, multiline)
                errors.append(RowError(number, labels[fieldname], value, problem))
            return value

        def error(fieldname: str, value: str, message: str, number: int = number) -> None:
            errors.append(RowError(number, labels[fieldname], value, message))

        name = cell("name")
        if not name:
            error("name", "", _("姓名不能为空"))
        elif len(name) > 64:
            error("name", name, _("姓名过长（最多64个字）"))

        pool_value = cell("pool")
        pool = pools.get(pool_value) or pools.get(pool_value.lower())
        if not pool_value:
            error("pool", "", _("专家库不能为空"))
        elif pool is None:
            error(
                "pool",
                pool_value,
                _("未知的专家库；应为“市级”或县区名称（%(counties)s）", counties="、".join(COUNTIES)),
            )
        elif user is not None and not user.is_city and pool != user.scope:
            error("pool", pool_value, _("县区协调员只能导入本县区专家库"))

        employer = cell("employer")
        if not employer:
            error("employer", "", _("工作单位不能为空"))
        elif len(employer) > 128:
            error("employer", employer, _("工作单位过长（最多128个字）"))

        row_sectors = _split(cell("sectors"))
        if not row_sectors:
            error("sectors", "", _("至少需要一个专业领域"))
        for sector in row_sectors:
            if sector not in sectors:
                error("sectors", sector, _("未知的专业领域"))

        phone_value = cell("phone")
        phone = _normalise_phone(phone_value)
        if not phone_value:
            error("phone", "", _("手机不能为空（专家按手机号识别）"))
        elif phone is None:
            error("phone", phone_value, _("不是有效的电话号码；应为11位手机号或如 0937-2612345 的固定电话"))
        elif phone in seen_phones:
            error("phone", phone_value, _("与第%(row)d行的号码重复", row=seen_phones[phone]))
        else:
            seen_phones[phone] = number

        row = _Row(
            number=number,
            name=name,
            pool=pool or "",
            employer=employer,
            sectors=row_sectors,
            phone=phone or "",
            has={f for f in ("title", "senior", "interests", "email") if f in columns},
        )
        if "title" in columns:
            row.title = cell("title")
            if len(row.title) > 64:
                error("title", row.title, _("职称过长（最多64个字）"))
        if "senior" in columns:
            senior_value = cell("senior")
            if senior_value.lower() in YES:
                row.senior = True
            elif senior_value.lower() in NO:
                row.senior = False
            else:
                error("senior", senior_value, _("无法识别；应为“是”或“否”"))
        if "interests" in columns:
            row.interests = _split(cell("interests"))
            if len(row.interests) > MAX_INTERESTS:
                error("interests", "", _("利害关系单位最多 %(n)d 个", n=MAX_INTERESTS))
            for item in row.interests:
                if len(item) > 128:
                    error("interests", item, _("单位名称过长（最多128个字）"))
        if "email" in columns:
            email = cell("email")
            if email and (len(email) > 254 or not EMAIL.fullmatch(email)):
                error("email", email, _("不是有效的电子邮箱地址"))
            row.email = email or None
        rows.append(row)

    errors += _outside_scope(rows, user, labels.get("phone", FIELD_HEADERS["phone"]))
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: e.row))
    if not rows:
        fail(_("文件中只有表头，没有专家"))
    return rows


def _existing(phones: list[str]) -> dict[str, Expert]:
    """The stored experts with these phone numbers, by phone."""
    existing: dict[str, Expert] = {}
    for start in range(0, len(phones), 500):
        chunk = phones[start : start + 500]
        for known in db.session.scalars(select(Expert).where(Expert.phone.in_(chunk))):
            if known.phone is not None:
                existing[known.phone] = known
    return existing


def _outside_scope(rows: list[_Row], user: User | None, column: str) -> list[RowError]:
    """Rows whose phone belongs to an expert the user may not maintain: an error naming nobody."""
    if user is None or user.is_city:
        return []
    existing = _existing([row.phone for row in rows if row.phone])
    return [
        RowError(
            row.number,
            column,
            row.phone,
            _("该号码已登记在您无权维护的专家库中，不能导入或修改；如确属同一专家，请与市维稳办联系"),
        )
        for row in rows
        if row.phone in existing and existing[row.phone].pool.code != user.scope
    ]


def _label(cell: str) -> str:
    """A header cell as written, without marks such as a BOM or a required-column asterisk."""
    return cell.strip().lstrip("\ufeff").rstrip("*＊").strip()


def _field(label: str) -> str | None:
    return HEADERS.get(label) or (label.lower() if label.lower() in FIELD_HEADERS else None)


def _header_cells(cells: list[str]) -> int:
    return sum(_field(_label(cell)) is not None for cell in cells)


def _pool_names() -> dict[str, str]:
    """Every way a pool may be written → its code."""
    names: dict[str, str] = dict.fromkeys(CITY_NAMES, CITY)
    codes = set(db.session.scalars(select(Pool.code)))
    for county in COUNTIES:
        if county in codes:
            names[county] = county
            names[f"{county}专家库"] = county
    for full, short in COUNTY_FULL_NAMES.items():
        if short in codes:
            names[full] = short
            names[f"{full}专家库"] = short
    if CITY not in codes:
        names = {k: v for k, v in names.items() if v != CITY}
    return names


def _split(value: str) -> list[str]:
    """A list cell (、 ; , ； ，) as its distinct items, in order."""
    items = [item.strip() for item in LIST_SEPARATORS.split(value)]
    return list(dict.fromkeys(item for item in items if item))


def _normalise_phone(value: str) -> str | None:
    """A mobile as 11 digits, a landline as 0937-2612345; None when it is neither."""
    digits = re.sub(r"[\s\-－()（）]", "", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits.isdigit():
        return None
    if not digits.startswith(("0", "1")) and 9 <= len(digits) <= 11:
        # Excel drops a landline's leading zero when the cell is a number (9372612345).
        digits = "0" + digits
    if MOBILE.fullmatch(digits):
        return digits
    if LANDLINE.fullmatch(digits):
        # Beijing (010) and the 02x cities have three-digit area codes, the rest four.
        split = 3 if digits.startswith(("01", "02")) else 4
        local = digits[split:]
        if 7 <= len(local) <= 8:
            return f"{digits[:split]}-{local}"
    return None


# --- writing -------------------------------------------------------------------------------


def _snapshot(expert: Expert) -> dict[str, Any]:
    """The fields an import writes, as the audit log records them."""
    return {
        "name": expert.name,
        "pool": expert.pool.code if expert.pool is not None else None,
        "employer": expert.employer,
        # In the pools' order, as the expert's page lists them (a file may list them otherwise).
        "sectors": [s.name for s in sorted(expert.sectors, key=lambda s: (s.sort_order, s.name))],
        "title": expert.title,
        "senior": expert.senior,
        "interests": list(expert.interests or []),
        "email": expert.email,
    }


def _write(
    rows: list[_Row], user: User | None = None, filename: str = ""
) -> tuple[list[Expert], list[Expert]]:
    """Create or update one expert per row in the current transaction; returns (created, changed).

    Each expert created or changed gets an audit entry: the created one's fields, the changed
    one's fields before and after (an unchanged row writes nothing)."""
    pools = {p.code: p for p in db.session.scalars(select(Pool))}
    sectors = {s.name: s for s in db.session.scalars(select(Sector))}
    existing = _existing([row.phone for row in rows])
    source = printable(filename)[:128]
    written: list[tuple[Expert, dict[str, Any] | None]] = []
    for row in rows:
        expert = existing.get(row.phone)
        before = _snapshot(expert) if expert is not None else None
        if expert is None:
            expert = Expert(phone=row.phone, title="", senior=False, interests=[], active=True, prior_load=0)
            db.session.add(expert)
        expert.name = row.name
        expert.pool = pools[row.pool]
        expert.employer = row.employer
        expert.sectors = [sectors[name] for name in row.sectors]
        # Columns the file does not have leave what is stored alone.
        if "title" in row.has:
            expert.title = row.title or ""
        if "senior" in row.has:
            expert.senior = bool(row.senior)
        if "interests" in row.has:
            expert.interests = list(row.interests or [])
        if "email" in row.has:
            expert.email = row.email
        written.append((expert, before))
    db.session.flush()  # once for the whole file: every new expert has its id
    created: list[Expert] = []
    changed: list[Expert] = []
    for expert, before in written:
        after = _snapshot(expert)
        if before is None:
            created.append(expert)
            audit.record("expert.create", user, target=f"expert:{expert.id}", source=source, fields=after)
        else:
            changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
            if changes:
                changed.append(expert)
                audit.record(
                    "expert.update", user, target=f"expert:{expert.id}", source=source, changes=changes
                )
    return created, changed
