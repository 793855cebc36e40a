"""Finding things: the pools page searches experts by name, phone, employer and sector, with the
filters kept in every link; the matters list searches by number, title, county, category, step and
department, and shows each matter's number; the year-plan file names a matter by number or title."""

from __future__ import annotations

import re
from typing import Any

import pytest

from wenping_sched.extensions import db


def _names(html: str) -> list[str]:
    """The experts listed in the pools table (each row's name is the link of its header cell)."""
    return re.findall(r'<th scope="row"><a href="/experts/\d+">([^<]+)</a>', html)


@pytest.fixture
def people(expert_factory: Any) -> dict[str, Any]:
    return {
        "tang": expert_factory(
            name="唐红军", employer="酒泉职业技术学院", sectors=("交通",), phone="13993712345"
        ),
        "wang": expert_factory(name="王丽", employer="甘肃正天合律师事务所", sectors=("法律", "信访")),
        "li": expert_factory(
            name="李明", employer="肃州区信访局", sectors=("信访",), pool="肃州区", phone="0937-2612345"
        ),
        "zhao": expert_factory(name="赵刚", employer="酒泉市规划设计院", sectors=("城乡规划",)),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("唐红军", ["唐红军"]),  # the issue's own example
        ("红军", ["唐红军"]),  # part of a name
        ("13993712345", ["唐红军"]),  # a mobile
        ("9937123", ["唐红军"]),  # part of one
        ("09372612345", ["李明"]),  # a landline typed without its dash
        ("律师事务所", ["王丽"]),  # the employer
        ("信访", ["王丽", "李明"]),  # a sector (and 李明's employer)
        ("信访 律师", ["王丽"]),  # every word must match
        ("城乡规划", ["赵刚"]),
        ("100%_", []),  # LIKE wildcards are taken literally
    ],
)
def test_pools_search(
    client: Any, make_user: Any, login: Any, people: Any, q: str, expected: list[str]
) -> None:
    login(make_user())
    resp = client.get("/pools", query_string={"q": q})
    assert resp.status_code == 200
    assert sorted(_names(resp.get_data(as_text=True))) == sorted(expected)


def test_search_keeps_the_scope_and_the_other_filters(
    client: Any, make_user: Any, login: Any, people: Any, expert_factory: Any
) -> None:
    expert_factory(name="信访局外人", employer="玉门市信访局", sectors=("信访",), pool="玉门市")
    login(make_user(scope="肃州区"))
    # A county coordinator finds in the city pool and the county's own, never another county's.
    html = client.get("/pools", query_string={"q": "信访"}).get_data(as_text=True)
    assert sorted(_names(html)) == ["李明", "王丽"]
    html = client.get("/pools", query_string={"q": "信访", "pool": "肃州区"}).get_data(as_text=True)
    assert _names(html) == ["李明"]
    # The pool cards, the export link and the search box keep what was asked.
    assert 'value="信访"' in html
    assert re.search(r'href="/pools\?q=%E4%BF%A1%E8%AE%BF&amp;pool=city"', html), "card keeps q"
    assert re.search(r'href="/pools/export\.xlsx\?q=%E4%BF%A1%E8%AE%BF&amp;pool=', html)


def test_paging_keeps_the_search(client: Any, make_user: Any, login: Any, expert_factory: Any) -> None:
    from wenping_sched.experts.routes import PAGE_SIZE

    for n in range(PAGE_SIZE + 3):
        expert_factory(name=f"检索{n:02d}", employer="同一单位研究院")
    expert_factory(name="别处的人", employer="另一家单位")
    login(make_user())
    first = client.get("/pools", query_string={"q": "研究院", "sector": "法律"}).get_data(as_text=True)
    assert "第 1 / 2 页" in first
    assert len(_names(first)) == PAGE_SIZE
    link = re.search(r'<a class="btn secondary" rel="next" href="([^"]+)"', first)
    assert link is not None
    href = link.group(1).replace("&amp;", "&")
    assert "q=" in href and "sector=" in href and "page=2" in href
    second = client.get(href).get_data(as_text=True)
    assert len(_names(second)) == 3 and "别处的人" not in second


@pytest.fixture
def matters(matter_factory: Any) -> dict[str, Any]:
    from wenping_sched.models import Matter

    out = {
        "station": matter_factory(title="酒泉东站片区棚户区改造", responsible_department="市住建局"),
        "school": matter_factory(
            title="肃州区中小学布局调整",
            county="肃州区",
            category="社会保障",
            responsible_department="肃州区教育局",
        ),
        "farm": matter_factory(
            title="金塔县土地流转试点",
            county="金塔县",
            category="三农",
            responsible_department="金塔县农业农村局",
        ),
    }
    db.session.get(Matter, out["farm"].id).stage = 4  # 确定风险等级
    db.session.commit()
    return out


def _matter_titles(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/matters/\d+">([^<]+)</a>', html)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("棚户区", ["station"]),  # title
        ("肃州区", ["school"]),  # county (and title)
        ("市级", ["station"]),  # the city's own matters
        ("三农", ["farm"]),  # category
        ("风险等级", ["farm"]),  # the step, by its name
        ("教育局", ["school"]),  # the responsible department
        ("住建 改造", ["station"]),
    ],
)
def test_matters_search(
    client: Any, make_user: Any, login: Any, matters: Any, q: str, expected: list[str]
) -> None:
    login(make_user())
    html = client.get("/matters", query_string={"q": q}).get_data(as_text=True)
    assert sorted(_matter_titles(html)) == sorted(matters[k].title for k in expected)


def test_matters_search_by_number_and_the_number_is_listed(
    client: Any, make_user: Any, login: Any, matters: Any
) -> None:
    login(make_user())
    school = matters["school"]
    html = client.get("/matters", query_string={"q": f"#{school.id}"}).get_data(as_text=True)
    assert _matter_titles(html) == [school.title]
    every = client.get("/matters").get_data(as_text=True)
    for m in matters.values():
        assert re.search(rf'<td class="num">{m.id}</td>\s*<th scope="row"><a href="/matters/{m.id}">', every)
    detail = client.get(f"/matters/{school.id}").get_data(as_text=True)
    assert f"事项编号 {school.id}" in detail


def test_a_county_searches_only_its_own_matters(
    client: Any, make_user: Any, login: Any, matters: Any
) -> None:
    login(make_user(scope="金塔县"))
    html = client.get("/matters", query_string={"q": "调整"}).get_data(as_text=True)
    assert _matter_titles(html) == []
    html = client.get("/matters", query_string={"q": "流转"}).get_data(as_text=True)
    assert _matter_titles(html) == [matters["farm"].title]


# --- the year plan names a matter by number or title -------------------------------------------------


def _plan_rows(user: Any, text: str) -> Any:
    from wenping_sched.plans.spreadsheet import read_plan_file

    return read_plan_file(text.encode("utf-8"), "plan.csv", user)


def test_a_plan_row_may_name_its_matter_by_title(make_user: Any, matters: Any) -> None:
    from wenping_sched.operations import OperationError

    user = make_user()
    station, school = matters["station"], matters["school"]
    rows = _plan_rows(
        user,
        f"事项名称,人数,窗口开始,窗口结束,时长\n{station.title},3,2027-03-01 08:30,2027-03-12 18:00,120\n",
    )
    assert [r["matter_id"] for r in rows] == [station.id]
    # A title typed in the number's column (as copied from the list) is read as a title too.
    rows = _plan_rows(
        user,
        "事项编号,人数,窗口开始,窗口结束,时长\n"
        f"{school.title},3,2027-03-01 08:30,2027-03-12 18:00,120\n"
        f"{station.id},2,2027-03-01 08:30,2027-03-12 18:00,90\n",
    )
    assert [r["matter_id"] for r in rows] == [school.id, station.id]
    with pytest.raises(OperationError) as e:
        _plan_rows(
            user,
            "事项名称,人数,窗口开始,窗口结束,时长\n没有这个事项,3,2027-03-01 08:30,2027-03-12 18:00,120\n",
        )
    assert "第 2 行找不到名为“没有这个事项”的事项" in e.value.message


SCHOOL_ROW = (
    "事项名称,人数,窗口开始,窗口结束,时长\n肃州区中小学布局调整,3,2027-03-01 08:30,2027-03-12 18:00,120\n"
)


def test_a_plan_title_is_looked_up_in_the_coordinators_scope(
    make_user: Any, matters: Any, matter_factory: Any
) -> None:
    from wenping_sched.operations import OperationError

    matter_factory(title="肃州区中小学布局调整", county="玉门市")  # same title, another county
    own = make_user(scope="肃州区")
    rows = _plan_rows(own, SCHOOL_ROW)
    assert [r["matter_id"] for r in rows] == [matters["school"].id]
    with pytest.raises(OperationError) as e:
        _plan_rows(make_user(), SCHOOL_ROW)
    assert "请改填事项编号" in e.value.message
