"""Reading a coordinator's spreadsheet (CSV or XLSX) into rows of text cells, and the import's errors.

The work is bounded before anything is parsed in full: the file's size, its rows and, for XLSX,
what it unpacks to. Nothing here touches the database: the expert importer (``importer``) and
the plans' request files (``plans.spreadsheet``) read their files through ``read_table``.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath
from typing import Any, NoReturn

from flask_babel import gettext as _

from ..validation import printable

XLSX_MAGIC = b"PK\x03\x04"

# Bounds on one import: a prefecture's pools are a few hundred experts.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # what an XLSX may unpack to (a zip bomb stops here)
MAX_LISTED_ERRORS = 100


@dataclass(frozen=True)
class RowError:
    """One problem in the file; ``row`` 0 means the file as a whole."""

    row: int
    column: str
    value: str
    message: str


class ImportFailed(Exception):
    """The file was rejected; nothing was written. ``errors`` lists the first problems found
    (at most MAX_LISTED_ERRORS), ``more`` how many others there are."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors[:MAX_LISTED_ERRORS]
        self.more = max(0, len(errors) - MAX_LISTED_ERRORS)
        super().__init__("; ".join(format_errors(self.errors, self.more)) if errors else "import failed")

    @property
    def total(self) -> int:
        return len(self.errors) + self.more


def format_errors(errors: Iterable[RowError], more: int = 0) -> list[str]:
    """One line per problem, e.g. 第5行「专业领域」列的值「宗教学」：未知的专业领域; then how many more."""
    lines = []
    for e in errors:
        if e.row <= 0:
            lines.append(e.message)
        elif not e.column:
            lines.append(_("第%(row)d行：%(message)s", row=e.row, message=e.message))
        elif e.value == "":
            lines.append(
                _("第%(row)d行「%(column)s」列：%(message)s", row=e.row, column=e.column, message=e.message)
            )
        else:
            lines.append(
                _(
                    "第%(row)d行「%(column)s」列的值「%(value)s」：%(message)s",
                    row=e.row,
                    column=e.column,
                    value=e.value,
                    message=e.message,
                )
            )
    if more:
        lines.append(_("另有 %(n)d 处问题未列出；请先改正以上问题后重新导入", n=more))
    return lines


def read_table(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    """The file's rows as (spreadsheet row number, cell texts); raises ImportFailed."""
    if len(data) > MAX_FILE_BYTES:
        fail(
            _(
                "文件过大（%(n).1f MB）；一次最多导入 %(m)d MB",
                n=len(data) / 1024 / 1024,
                m=MAX_FILE_BYTES // 1024 // 1024,
            )
        )
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        if data.startswith(XLSX_MAGIC):
            fail(_("文件扩展名是 .csv，但内容是 Excel 工作簿；请将扩展名改为 .xlsx 后再导入"))
        return _read_csv(data)
    if suffix == ".xlsx":
        if not data.startswith(XLSX_MAGIC):
            fail(_("文件不是有效的 XLSX 工作簿（Excel 2007 及以上格式）；请在 Excel 中另存为 .xlsx 或 CSV"))
        return _read_xlsx(data)
    if suffix in (".xls", ".et", ".wps"):
        fail(_("不支持旧版 Excel 格式 %(suffix)s；请另存为 .xlsx 或 CSV 后再导入", suffix=suffix))
    fail(_("不支持的文件格式“%(suffix)s”；请上传 .csv 或 .xlsx 文件", suffix=suffix or filename))


def _read_csv(data: bytes) -> list[tuple[int, list[str]]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    # Excel's "Unicode text" export is tab-separated; everything else here uses commas.
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        # csv counts physical lines, so a quoted cell spanning lines keeps row numbers honest.
        rows = []
        for cells in reader:
            rows.append((reader.line_num, cells))
            _check_row_count(len(rows))
    except csv.Error as exc:
        fail(_("CSV 文件格式有误：%(detail)s", detail=printable(exc)))
    return rows


def _check_row_count(rows: int) -> None:
    # The header (and a title line above it) on top of MAX_ROWS experts.
    if rows > MAX_ROWS + 5:
        fail(_("文件行数过多；一次最多导入 %(n)d 名专家，请分成几个文件", n=MAX_ROWS))


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        encodings: Sequence[str] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    fail(_("无法识别 CSV 文件的文字编码；请用 Excel 另存为“CSV UTF-8”或 .xlsx 后再导入"))


def _read_xlsx(data: bytes) -> list[tuple[int, list[str]]]:
    # openpyxl parses with defusedxml when it is installed (it is a dependency): entity tricks
    # (billion laughs, external entities) are refused instead of expanded.
    import openpyxl  # imported here: only this path needs it

    _check_unpacked_size(data)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not read; none matter here.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    fail(_("工作簿中没有工作表"))
                sheet = workbook.worksheets[0]
                rows = []
                # Streamed row by row, and stopped at the cap: a sheet of two million empty rows
                # costs no more than one at the cap.
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    cells = [_cell_text(value) for value in values[:64]]
                    if any(cells):
                        rows.append((number, cells))
                        _check_row_count(len(rows))
                    elif number > MAX_ROWS * 20:
                        break  # nothing but empty rows this far down
            finally:
                workbook.close()
    except ImportFailed:
        raise
    except Exception as exc:  # anything openpyxl or the XML parser raises: a file we cannot read
        fail(_("无法读取 XLSX 工作簿：%(detail)s", detail=printable(exc)[:200] or type(exc).__name__))
    return rows


def _check_unpacked_size(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        fail(_("无法读取 XLSX 工作簿：%(detail)s", detail=printable(exc)[:200] or type(exc).__name__))
    if unpacked > MAX_UNPACKED_BYTES:
        fail(
            _(
                "工作簿解压后过大（%(n)d MB）；请删除无关的工作表或另存为 CSV 后再导入",
                n=unpacked // 1024 // 1024,
            )
        )


def _cell_text(value: Any) -> str:
    """A cell as the coordinator sees it: 13800001111 rather than 13800001111.0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def fail(message: str) -> NoReturn:
    """Reject the whole file with one message (row 0)."""
    raise ImportFailed([RowError(0, "", "", message)])
