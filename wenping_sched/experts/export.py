"""The pool list as a spreadsheet in the importer's own columns, so that export → import is a no-op."""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .. import xlsx
from ..models import CITY, Expert
from .importer import HEADERS

# The importer's columns in its documented order (姓名, 专家库, ... 邮箱).
COLUMNS = tuple(HEADERS)
WIDTHS = (10, 12, 30, 26, 14, 10, 36, 16, 28)
LIST_SEPARATOR = "、"


def export_row(expert: Expert) -> list[str]:
    """One expert as the importer reads a row: text cells, lists joined with 、."""
    return [
        expert.name,
        "市级" if expert.pool.code == CITY else expert.pool.code,
        expert.employer,
        LIST_SEPARATOR.join(expert.sector_names),
        expert.title or "",
        "是" if expert.senior else "否",
        LIST_SEPARATOR.join(expert.interests or []),
        expert.phone or "",
        expert.email or "",
    ]


def pool_workbook(experts: Iterable[Expert]) -> bytes:
    """An .xlsx with the header row first (as the import template has it) and one expert a row."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "专家名单"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(name=xlsx.FONT, bold=True)
    for expert in experts:
        sheet.append(export_row(expert))
        # Phone numbers stay text: Excel would otherwise show 13900001111 as 1.39E+10.
        sheet.cell(row=sheet.max_row, column=COLUMNS.index("手机") + 1).number_format = "@"
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return xlsx.to_bytes(workbook)
