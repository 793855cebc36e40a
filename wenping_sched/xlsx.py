"""openpyxl helpers: a bordered table with a merged title, A4 print setup, reproducible bytes.

Every cell is written through ``write``: text is always a string cell, never a formula (openpyxl
would store "=cmd|' /C calc'!A0" as one), and characters a workbook cannot hold are dropped, so
whatever a person once typed, the export opens and shows it as data.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from .validation import printable

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FONT = "宋体"
TITLE_FONT = Font(name=FONT, size=16, bold=True)
LABEL_FONT = Font(name=FONT, size=11, bold=True)
BODY_FONT = Font(name=FONT, size=11)
LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)


def write(sheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Put ``value`` in a cell as data: numbers stay numbers, everything else is a string cell."""
    cell = sheet.cell(row=row, column=column)
    if value is None:
        cell.value = None
    elif isinstance(value, bool | int | float | datetime):
        cell.value = value
    else:
        # Set the type after the value: openpyxl types a string starting with "=" as a formula.
        # Excel holds at most 32,767 characters in a cell.
        cell.value = printable(value, multiline=True)[:32767]
        cell.data_type = "s"
    return cell


def new_sheet(workbook: Workbook, title: str, widths: Sequence[float], first: bool = False) -> Worksheet:
    """A sheet with column widths set and A4 portrait, fit-to-width printing."""
    sheet = workbook.active if first and workbook.active is not None else workbook.create_sheet()
    assert isinstance(sheet, Worksheet)
    sheet.title = printable(title).translate(str.maketrans("", "", "[]:*?/\\"))[:31] or "Sheet"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    return sheet


def title_row(sheet: Worksheet, row: int, text: str, columns: int, height: float = 32) -> None:
    """A title merged across the table's width."""
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    cell = write(sheet, row, 1, text)
    cell.font = TITLE_FONT
    cell.alignment = CENTRE
    sheet.row_dimensions[row].height = height


def put(
    sheet: Worksheet,
    row: int,
    column: int,
    value: Any,
    span: int = 1,
    label: bool = False,
    centre: bool = False,
) -> None:
    """Write one bordered cell, merged over ``span`` columns (every merged cell gets the border)."""
    for c in range(column, column + span):
        sheet.cell(row=row, column=c).border = BORDER
    if span > 1:
        sheet.merge_cells(start_row=row, start_column=column, end_row=row, end_column=column + span - 1)
    cell = write(sheet, row, column, value)
    cell.font = LABEL_FONT if label else BODY_FONT
    cell.alignment = CENTRE if (label or centre) else WRAP
    if label:
        for c in range(column, column + span):
            sheet.cell(row=row, column=c).fill = LABEL_FILL


def table(sheet: Worksheet, row: int, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """A header row and bordered data rows from ``row`` on; returns the next free row."""
    for column, text in enumerate(header, start=1):
        put(sheet, row, column, text, label=True)
    row += 1
    for values in rows:
        for column, value in enumerate(values, start=1):
            put(sheet, row, column, value, centre=isinstance(value, int | float))
        row += 1
    return row


def to_bytes(workbook: Workbook, as_of: datetime | None = None) -> bytes:
    """The workbook as .xlsx bytes; with ``as_of`` the bytes depend on the content alone."""
    if as_of is not None:
        stamp = as_of.astimezone(UTC).replace(tzinfo=None, microsecond=0)
        workbook.properties.created = stamp
        workbook.properties.modified = stamp
    workbook.properties.creator = "wenping-sched"
    buffer = io.BytesIO()
    if as_of is None:
        workbook.save(buffer)
    else:
        # Workbook.save stamps dcterms:modified with the clock; the writer itself keeps the stamp above.
        ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    data = buffer.getvalue()
    return data if as_of is None else restamp_zip(data, as_of)


def restamp_zip(data: bytes, as_of: datetime) -> bytes:
    """The same zip with every entry dated ``as_of``: zip writers otherwise stamp the clock time."""
    out = io.BytesIO()
    date_time = zip_date_time(as_of)
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def zip_date_time(value: datetime) -> tuple[int, int, int, int, int, int]:
    """A zip entry's timestamp (local wall time, no earlier than 1980 as the format requires)."""
    v = max(value.replace(tzinfo=None), datetime(1980, 1, 1))
    return (v.year, v.month, v.day, v.hour, v.minute, v.second)
