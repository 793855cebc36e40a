"""The pool list exported as XLSX in the importer's own columns: export → import changes nothing."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from wenping_sched.extensions import db


def _snapshot() -> list[tuple[Any, ...]]:
    from wenping_sched.models import Expert

    db.session.expire_all()
    return [
        (
            e.id,
            e.name,
            e.pool.code,
            e.employer,
            tuple(e.sector_names),
            e.title,
            e.senior,
            tuple(e.interests or []),
            e.phone,
            e.email,
            e.active,
        )
        for e in db.session.scalars(select(Expert).order_by(Expert.id))
    ]


@pytest.fixture
def roster(expert_factory: Any) -> list[Any]:
    return [
        expert_factory(
            name="唐红军",
            sectors=("交通", "法律"),
            senior=True,
            title="教授",
            employer="酒泉职业技术学院",
            interests=("某某建设集团", "酒泉市交通局"),
        ),
        expert_factory(name="王丽", sectors=("信访",), employer="甘肃正天合律师事务所", email=None),
        expert_factory(
            name="李明",
            pool="肃州区",
            sectors=("土地征收",),
            employer="肃州区自然资源局",
            phone="0937-2612345",
        ),
    ]


def _export(client: Any, **args: str) -> openpyxl.Workbook:
    resp = client.get("/pools/export.xlsx", query_string=args)
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in resp.headers["Content-Disposition"]
    return resp.get_data()


def test_the_export_has_exactly_the_importers_columns(
    client: Any, make_user: Any, login: Any, roster: Any
) -> None:
    from wenping_sched.experts.importer import HEADERS
    from wenping_sched.experts.routes import TEMPLATE_HEADERS

    login(make_user())
    sheet = openpyxl.load_workbook(io.BytesIO(_export(client))).active
    rows = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert tuple(rows[0]) == TEMPLATE_HEADERS == tuple(HEADERS)
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["唐红军"] == [
        "唐红军",
        "市级",
        "酒泉职业技术学院",
        "法律、交通",
        "教授",
        "是",
        "某某建设集团、酒泉市交通局",
        roster[0].phone,
        roster[0].email,
    ]
    assert by_name["李明"][1] == "肃州区" and by_name["李明"][7] == "0937-2612345"
    assert by_name["王丽"][8] == ""


def test_export_then_import_changes_nothing(client: Any, make_user: Any, login: Any, roster: Any) -> None:
    from wenping_sched.experts.importer import import_experts
    from wenping_sched.models import AuditLog

    user = make_user()
    login(user)
    before = _snapshot()
    data = _export(client)
    result = import_experts(data, "专家名单.xlsx", user)
    # Every row matched an expert by phone, and none of them changed (an unchanged row writes nothing).
    assert (result.rows, result.created, result.updated) == (len(roster), 0, 0)
    assert _snapshot() == before
    exported = db.session.scalars(select(AuditLog).where(AuditLog.action == "experts.export")).all()
    assert len(exported) == 1 and exported[0].detail["experts"] == len(roster)


def test_the_export_follows_the_pages_filters(client: Any, make_user: Any, login: Any, roster: Any) -> None:
    login(make_user())
    sheet = openpyxl.load_workbook(io.BytesIO(_export(client, q="律师"))).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["王丽"]
    sheet = openpyxl.load_workbook(io.BytesIO(_export(client, pool="肃州区"))).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["李明"]


def test_an_expert_without_a_phone_is_exported_and_named_on_import(
    client: Any, make_user: Any, login: Any, roster: Any, expert_factory: Any
) -> None:
    from wenping_sched.experts.importer import ImportFailed, format_errors, import_experts

    expert_factory(name="无电话", phone=None)
    user = make_user()
    login(user)
    before = _snapshot()
    data = _export(client)
    with pytest.raises(ImportFailed) as e:
        import_experts(data, "专家名单.xlsx", user)
    # Row 4: the header, the city pool's two above, then this one (the county's come last).
    assert format_errors(e.value.errors) == ["第4行「手机」列：手机不能为空（专家按手机号识别）"]
    assert _snapshot() == before
