"""Importing experts from CSV and XLSX: every encoding Excel writes, all or nothing."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from wenping_sched.experts.importer import (
    ImportFailed,
    RowError,
    format_errors,
    import_experts,
)
from wenping_sched.extensions import db
from wenping_sched.models import AuditLog, Expert

HEADER = ["姓名", "专家库", "工作单位", "专业领域", "职称", "高级职称", "利害关系单位", "手机", "邮箱"]


def _row(text: str) -> list[str]:
    """A row written as its cells joined by |, to keep the tables readable."""
    return text.split("|")


ROWS = [
    _row("张明|市级|兰州大学|法律、社会稳定|教授|是|甘肃电投集团|13800001111|zm@example.cn"),
    _row("李红|肃州区|肃州区人民医院|卫生健康|主治医师|否||139-0000-2222|"),
    _row("王强|阿克塞县专家库|阿克塞县民宗局|民族宗教;信访|高级政工师|Y|华电;阿克塞县发改局|0937-2612345|"),
]
BLANK = _row("||||||||")


def _csv(rows: list[list[str]], header: list[str] = HEADER) -> str:
    lines = [",".join(header)] + [",".join(f'"{cell}"' for cell in row) for row in rows]
    return "\r\n".join(lines) + "\r\n"


def _xlsx(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _experts() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Expert)) or 0)


def _failure(data: bytes, filename: str) -> list[RowError]:
    with pytest.raises(ImportFailed) as caught:
        import_experts(data, filename)
    return caught.value.errors


def test_gbk_csv_with_chinese_headers(app):
    result = import_experts(_csv(ROWS).encode("gbk"), "专家.csv")
    assert (result.created, result.updated, result.rows) == (3, 0, 3)
    zhang = db.session.scalar(select(Expert).where(Expert.phone == "13800001111"))
    assert zhang is not None
    assert zhang.name == "张明"
    assert zhang.pool.code == "city"
    assert zhang.sector_names == ["法律", "社会稳定"]
    assert zhang.senior is True
    assert zhang.interests == ["甘肃电投集团"]
    assert zhang.email == "zm@example.cn"
    li = db.session.scalar(select(Expert).where(Expert.phone == "13900002222"))
    assert li is not None and li.pool.code == "肃州区" and li.senior is False and li.email is None
    wang = db.session.scalar(select(Expert).where(Expert.name == "王强"))
    assert wang is not None
    assert wang.pool.code == "阿克塞县"
    assert wang.phone == "0937-2612345"
    assert wang.interests == ["华电", "阿克塞县发改局"]
    assert wang.sector_names == ["信访", "民族宗教"]  # in the taxonomy's order


def test_utf8_bom_csv_and_english_headers(app):
    header = ["name", "pool", "employer", "sectors", "title", "senior", "interests", "phone", "email"]
    data = b"\xef\xbb\xbf" + _csv(ROWS[:2], header).encode("utf-8")
    result = import_experts(data, "experts.CSV")
    assert (result.created, result.updated) == (2, 0)
    assert _experts() == 2


def test_xlsx_with_numeric_phone(app):
    rows: list[list[Any]] = [[*ROWS[0][:7], 13800001111, ROWS[0][8]], [*ROWS[1][:7], 13900002222.0, None]]
    result = import_experts(_xlsx(rows), "专家名单.xlsx")
    assert result.created == 2
    phones = set(db.session.scalars(select(Expert.phone)))
    assert phones == {"13800001111", "13900002222"}


def test_a_title_line_above_the_header_is_allowed(app):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["酒泉市社会稳定风险评估专家库名单（2026年）"])
    sheet.append(HEADER)
    sheet.append(ROWS[0])
    sheet.append([*ROWS[1][:3], "宗教学", *ROWS[1][4:]])
    out = io.BytesIO()
    workbook.save(out)
    errors = _failure(out.getvalue(), "名单.xlsx")
    assert [(e.row, e.column, e.value) for e in errors] == [(4, "专业领域", "宗教学")]


def test_an_unknown_sector_rejects_the_whole_file(app):
    rows = [*ROWS, _row("赵刚|敦煌市|敦煌研究院|法律、宗教学|研究员|是||13700003333|")]
    errors = _failure(_csv(rows).encode("utf-8"), "experts.csv")
    assert _experts() == 0
    assert errors == [RowError(5, "专业领域", "宗教学", "未知的专业领域")]
    assert format_errors(errors) == ["第5行「专业领域」列的值「宗教学」：未知的专业领域"]


def test_every_bad_row_is_reported(app):
    rows = [
        _row("|市级|兰州大学|法律||||13800001111|"),
        _row("孙丽|嘉峪关市||法律||也许||12345|not-an-email"),
        _row("周杰|city|兰州大学|||||13800001111|"),
    ]
    errors = _failure(_csv(rows).encode("gbk"), "experts.csv")
    found = {(e.row, e.column, e.value) for e in errors}
    assert found == {
        (2, "姓名", ""),
        (3, "专家库", "嘉峪关市"),
        (3, "工作单位", ""),
        (3, "高级职称", "也许"),
        (3, "手机", "12345"),
        (3, "邮箱", "not-an-email"),
        (4, "专业领域", ""),
        (4, "手机", "13800001111"),  # the same phone as row 2
    }
    assert "第2行" in next(e.message for e in errors if e.row == 4 and e.column == "手机")
    assert _experts() == 0


def test_blank_rows_are_skipped_and_row_numbers_stay_true(app):
    text = _csv([ROWS[0], BLANK, ROWS[1]])
    result = import_experts(text.encode("utf-8"), "experts.csv")
    assert result.rows == 2
    rows = [ROWS[0], BLANK, _row("钱进|市级|兰州大学|无||||13600004444|")]
    errors = _failure(_csv(rows).encode("utf-8"), "experts.csv")
    assert [(e.row, e.value) for e in errors] == [(4, "无")]


def test_a_known_phone_updates_instead_of_duplicating(app):
    import_experts(_csv(ROWS).encode("utf-8"), "first.csv")
    changed = [_row("张明|玉门市|玉门油田分公司|能源|高级工程师|否||138 0000 1111|new@example.cn")]
    result = import_experts(_xlsx(changed), "second.xlsx")
    assert (result.created, result.updated) == (0, 1)
    assert _experts() == 3
    zhang = db.session.scalar(select(Expert).where(Expert.phone == "13800001111"))
    assert zhang is not None
    assert (zhang.pool.code, zhang.employer, zhang.sector_names) == ("玉门市", "玉门油田分公司", ["能源"])
    assert (zhang.title, zhang.senior, zhang.interests) == ("高级工程师", False, [])
    assert zhang.email == "new@example.cn"


def test_columns_the_file_lacks_are_left_alone_on_update(app):
    import_experts(_csv(ROWS[:1]).encode("utf-8"), "first.csv")
    header = ["姓名", "专家库", "工作单位", "专业领域", "手机", "备注"]
    renewal = _row("张明|市级|兰州大学|法律|13800001111|换届续聘")
    import_experts(_csv([renewal], header).encode(), "renewal.csv")
    zhang = db.session.scalar(select(Expert).where(Expert.phone == "13800001111"))
    assert zhang is not None
    assert (zhang.title, zhang.senior, zhang.interests) == ("教授", True, ["甘肃电投集团"])


def test_missing_required_columns_are_named(app):
    header = ["姓名", "专家库", "工作单位", "职称"]
    errors = _failure(_csv([["张明", "市级", "兰州大学", "教授"]], header).encode("utf-8"), "experts.csv")
    assert {e.column for e in errors} == {"专业领域", "手机"}
    assert all(e.row == 1 for e in errors)
    assert "缺少必需的列「手机」" in format_errors(errors)[-1]


def test_wrong_file_types(app):
    (error,) = _failure(b"anything", "experts.txt")
    assert error.row == 0 and ".txt" in error.message
    (error,) = _failure(b"this is no workbook", "experts.xlsx")
    assert "XLSX" in error.message
    (error,) = _failure(b"PK\x03\x04 truncated zip", "experts.xlsx")
    assert "XLSX" in error.message
    (error,) = _failure(_xlsx(ROWS), "experts.csv")
    assert ".xlsx" in error.message
    (error,) = _failure(b"\xe5\xa7\x93\x80\x80\xff\xff", "experts.csv")
    assert "编码" in error.message
    assert _experts() == 0


def test_an_import_is_audited(app):
    import_experts(_csv(ROWS).encode("utf-8"), "专家.csv")
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "experts.import"))
    assert entry is not None
    assert entry.target == "专家.csv"
    ids = sorted(db.session.scalars(select(Expert.id)))
    assert sorted(entry.detail["created"]) == ids and entry.detail["updated"] == []
    # Which experts, field by field: each created one has its own entry with what was written.
    created = {
        e.target: e.detail
        for e in db.session.scalars(select(AuditLog).where(AuditLog.action == "expert.create"))
    }
    assert set(created) == {f"expert:{i}" for i in ids}
    zhang = db.session.scalar(select(Expert).where(Expert.name == "张明"))
    assert zhang is not None
    assert created[f"expert:{zhang.id}"]["fields"]["email"] == "zm@example.cn"
    assert created[f"expert:{zhang.id}"]["source"] == "专家.csv"

    # A second import changes one field of one expert: only that is recorded, before and after.
    changed = [list(ROWS[0]), *ROWS[1:]]
    changed[0][2] = "西北师范大学"
    import_experts(_csv(changed).encode("utf-8"), "专家.csv")
    updates = list(db.session.scalars(select(AuditLog).where(AuditLog.action == "expert.update")))
    assert [(u.target, u.detail["changes"]) for u in updates] == [
        (f"expert:{zhang.id}", {"employer": ["兰州大学", "西北师范大学"]})
    ]
    summary = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "experts.import").order_by(AuditLog.id.desc())
    ).first()
    assert summary is not None and summary.detail["updated"] == [zhang.id] and summary.detail["created"] == []


def test_a_county_coordinator_imports_into_the_own_county_only(app, make_user):
    user = make_user(scope="肃州区")
    with pytest.raises(ImportFailed) as caught:
        import_experts(_csv(ROWS).encode("utf-8"), "experts.csv", user=user)
    assert _experts() == 0
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "专家库"), (4, "专家库")]
    result = import_experts(_csv([ROWS[1]]).encode("utf-8"), "experts.csv", user=user)
    assert result.created == 1
