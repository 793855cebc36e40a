"""Reading a year's panel requests from a spreadsheet (CSV in UTF-8 or GBK, or XLSX).

A row names its matter by number (事项编号) or by title (事项名称); every bad row is reported
with its row number, and nothing is read from a file with any bad row.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Matter, User
from ..operations import OperationError
from ..timeutil import parse_local
from ..validation import printable, year_problem

# Requests in one plan, and bad rows listed before the rest are only counted.
MAX_REQUESTS = 500
MAX_LISTED_ERRORS = 100

# The spreadsheet's headers (Chinese as coordinators write them; English accepted too).
HEADERS = {
    "事项编号": "matter_id",
    "matter_id": "matter_id",
    "事项名称": "matter_title",
    "事项": "matter_title",
    "matter_title": "matter_title",
    "人数": "size",
    "size": "size",
    "席位": "seats",
    "seats": "seats",
    "高级职称人数": "min_senior",
    "min_senior": "min_senior",
    "窗口开始": "window_start",
    "window_start": "window_start",
    "窗口结束": "window_end",
    "window_end": "window_end",
    "时长": "duration_minutes",
    "时长（分钟）": "duration_minutes",
    "duration_minutes": "duration_minutes",
}
REQUIRED_COLUMNS = ("size", "window_start", "window_end", "duration_minutes")


def _int(value: str, column: str, row: int, errors: list[str], minimum: int = 0) -> int | None:
    try:
        number = float(value)
        if not math.isfinite(number) or not number.is_integer():
            raise ValueError(value)
    except ValueError:
        errors.append(_("第 %(r)d 行“%(c)s”应为整数：%(v)s", r=row, c=column, v=printable(value)[:40]))
        return None
    if number < minimum or number > 10_000:
        errors.append(_("第 %(r)d 行“%(c)s”超出范围：%(v)s", r=row, c=column, v=printable(value)[:40]))
        return None
    return int(number)


def _seats(value: str, row: int, errors: list[str]) -> dict[str, int]:
    """``法律:1;信访:1`` (also with ``：``, ``、`` or ``,``) as {"法律": 1, "信访": 1}."""
    seats: dict[str, int] = {}
    for part in (p.strip() for p in value.replace("；", ";").replace("、", ";").replace(",", ";").split(";")):
        if not part:
            continue
        name, sep, count = part.replace("：", ":").partition(":")
        number = _int(count.strip() if sep else "1", "席位", row, errors, minimum=1)
        if number is not None:
            seats[name.strip()] = number
    return seats


def _time(value: str, column: str, row: int, errors: list[str]) -> datetime | None:
    try:
        parsed = parse_local(value.strip().replace(" ", "T").replace("/", "-"))
    except (ValueError, OverflowError):
        errors.append(
            _(
                "第 %(r)d 行“%(c)s”不是有效的时间（如 2026-03-02 08:30）：%(v)s",
                r=row,
                c=column,
                v=printable(value)[:40],
            )
        )
        return None
    problem = year_problem(parsed)
    if problem:
        errors.append(_("第 %(r)d 行“%(c)s”：%(p)s", r=row, c=column, p=problem))
        return None
    return parsed


def _matter_by_title(user: User | None, title: str, row: int, errors: list[str]) -> int | None:
    """The number of the one matter (in the user's scope) with this title; else an error for the row."""
    stmt = select(Matter.id).where(Matter.title == title.strip())
    if user is not None and not user.is_city:
        stmt = stmt.where(Matter.county == user.scope)
    found = list(db.session.scalars(stmt.limit(2)))
    if not found:
        errors.append(_("第 %(r)d 行找不到名为“%(t)s”的事项", r=row, t=printable(title)[:80]))
        return None
    if len(found) > 1:
        errors.append(_("第 %(r)d 行有多项事项名为“%(t)s”，请改填事项编号", r=row, t=printable(title)[:80]))
        return None
    return int(found[0])


def read_plan_file(data: bytes, filename: str, user: User | None = None) -> list[dict[str, Any]]:
    """The requests of a CSV (UTF-8 or GBK) or XLSX file; every bad row is reported by its row number.

    A row names its matter by number (事项编号) or by title (事项名称, or a title in the number's
    column): coordinators copy titles from the matters list.
    """
    from ..experts.tables import ImportFailed, read_table

    try:
        table = read_table(data, filename)
    except ImportFailed as e:
        raise OperationError(str(e), 422, {"file": str(e)}) from e
    rows = [(n, [c.strip() for c in cells]) for n, cells in table if any(c.strip() for c in cells)]
    if not rows:
        raise OperationError(_("文件是空的"), 422, {"file": _("文件是空的")})
    header = rows[0][1]
    columns = {HEADERS[h.strip()]: i for i, h in enumerate(header) if h.strip() in HEADERS}
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if "matter_id" not in columns and "matter_title" not in columns:
        missing.insert(0, "matter_id")
    if missing:
        names = {v: k for k, v in reversed(HEADERS.items())}
        message = _("缺少列：%(c)s", c="、".join(names[m] for m in missing))
        raise OperationError(message, 422, {"file": message})
    errors: list[str] = []
    items = []
    for number, cells in rows[1:]:

        def cell(name: str, cells: list[str] = cells) -> str:
            i = columns.get(name)
            return cells[i] if i is not None and i < len(cells) else ""

        matter_cell, title_cell = cell("matter_id").strip(), cell("matter_title").strip()
        if matter_cell and not matter_cell.replace(".", "", 1).isdigit():
            matter_cell, title_cell = "", title_cell or matter_cell  # a title in the number's column
        if matter_cell or not title_cell:
            matter_id = _int(matter_cell, "事项编号", number, errors, minimum=1)
        else:
            matter_id = _matter_by_title(user, title_cell, number, errors)
        size = _int(cell("size"), "人数", number, errors, minimum=1)
        min_senior = _int(cell("min_senior") or "0", "高级职称人数", number, errors)
        duration = _int(cell("duration_minutes"), "时长", number, errors, minimum=1)
        start = _time(cell("window_start"), "窗口开始", number, errors)
        end = _time(cell("window_end"), "窗口结束", number, errors)
        seats = _seats(cell("seats"), number, errors)
        if start and end and end <= start:
            errors.append(_("第 %(r)d 行窗口结束必须晚于窗口开始", r=number))
            continue
        if None in (matter_id, size, min_senior, duration, start, end):
            continue
        items.append(
            {
                "matter_id": matter_id,
                "size": size,
                "seats": seats,
                "min_senior": min_senior,
                "window": (start, end),
                "duration_minutes": duration,
                "row": number,
            }
        )
    if errors:
        shown = errors[:MAX_LISTED_ERRORS]
        if len(errors) > len(shown):
            shown.append(_("另有 %(n)d 处问题未列出", n=len(errors) - len(shown)))
        raise OperationError("；".join(shown), 422, {"file": "；".join(shown)})
    if len(items) > MAX_REQUESTS:
        message = _("一个计划最多 %(n)d 条请求", n=MAX_REQUESTS)
        raise OperationError(message, 422, {"file": message})
    return items
