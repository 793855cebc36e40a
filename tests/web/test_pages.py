"""The coordinators' pages: expert pools, one expert, editing, importing, and matters."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from wenping_sched.extensions import db
from wenping_sched.models import AuditLog, Expert, Matter


def _html(resp: Any, status: int = 200) -> str:
    assert resp.status_code == status, resp.get_data(as_text=True)[:2000]
    text = resp.get_data(as_text=True)
    assert 'lang="zh-CN"' in text
    return text


def _table_names(html: str) -> list[str]:
    """The expert names linked from the experts table, in order."""
    return re.findall(r'<th scope="row"><a href="/experts/\d+">([^<]+)</a>', html)


@pytest.fixture
def city(make_user: Any, login: Any) -> Any:
    user = make_user(scope="city")
    login(user)
    return user


@pytest.fixture
def dunhuang(make_user: Any, login: Any) -> Any:
    user = make_user(scope="敦煌市")
    login(user)
    return user


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/pools", "/experts/1", "/experts/new", "/experts/import", "/matters", "/matters/new", "/matters/1"],
)
def test_anonymous_is_sent_to_login(client: Any, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login")


def test_experts_and_department_logins_are_refused(
    client: Any, make_user: Any, login: Any, expert_factory: Any
) -> None:
    expert = expert_factory()
    login(make_user(role="expert", expert_id=expert.id))
    assert client.get("/pools").status_code == 403
    assert client.get("/matters").status_code == 403


# --- pools and the experts list ---------------------------------------------------------------


def test_pools_page_counts_each_pool(client: Any, city: Any, expert_factory: Any) -> None:
    expert_factory(pool="city", senior=True)
    expert_factory(pool="city")
    expert_factory(pool="敦煌市", senior=True)
    retired = expert_factory(pool="敦煌市")
    retired.active = False
    db.session.commit()

    html = _html(client.get("/pools"))
    cards = dict(re.findall(r'<div>([^<]+专家库)</div>\s*<div class="n">(\d+)</div>', html))
    assert cards["市级专家库"] == "2"
    assert cards["敦煌市专家库"] == "1"  # the retired expert is not counted
    assert cards["阿克塞县专家库"] == "0"
    assert next(iter(cards)) == "市级专家库"
    assert "高级职称 1 名" in html
    assert len(_table_names(html)) == 3


def test_filters_narrow_the_table(client: Any, city: Any, expert_factory: Any) -> None:
    expert_factory(name="法律专家", sectors=("法律",))
    expert_factory(name="信访专家", sectors=("信访",), senior=True)
    expert_factory(name="敦煌专家", pool="敦煌市", sectors=("法律", "信访"))

    assert sorted(_table_names(_html(client.get("/pools?sector=法律")))) == ["敦煌专家", "法律专家"]
    assert _table_names(_html(client.get("/pools?sector=信访&senior=1"))) == ["信访专家"]
    assert _table_names(_html(client.get("/pools?pool=敦煌市"))) == ["敦煌专家"]
    assert sorted(_table_names(_html(client.get("/pools?senior=0")))) == ["敦煌专家", "法律专家"]


def test_county_coordinator_sees_city_pool_and_own_county_only(
    client: Any, dunhuang: Any, expert_factory: Any, matter_factory: Any
) -> None:
    expert_factory(name="市级专家", pool="city")
    expert_factory(name="敦煌专家", pool="敦煌市")
    other = expert_factory(name="玉门专家", pool="玉门市")
    other_matter = matter_factory(county="玉门市", title="玉门事项")
    own_matter = matter_factory(county="敦煌市", title="敦煌事项")

    html = _html(client.get("/pools"))
    assert sorted(_table_names(html)) == ["市级专家", "敦煌专家"]
    assert "玉门市专家库" not in html
    assert _table_names(_html(client.get("/pools?pool=玉门市"))) == []

    assert client.get(f"/experts/{other.id}").status_code == 404
    assert client.get(f"/experts/{other.id}/edit").status_code == 404
    assert client.post(f"/experts/{other.id}/retire").status_code == 404
    assert client.get(f"/matters/{other_matter.id}").status_code == 404
    assert client.post(f"/matters/{other_matter.id}/stage", data={"stage": "2"}).status_code == 404

    html = _html(client.get("/matters"))
    assert "敦煌事项" in html and "玉门事项" not in html
    _html(client.get(f"/matters/{own_matter.id}"))


def test_county_coordinator_may_view_but_not_edit_a_city_expert(
    client: Any, dunhuang: Any, expert_factory: Any
) -> None:
    expert = expert_factory(name="市级专家", pool="city")
    html = _html(client.get(f"/experts/{expert.id}"))
    assert "市级专家" in html and f"/experts/{expert.id}/edit" not in html
    assert client.get(f"/experts/{expert.id}/edit").status_code == 403


# --- one expert ------------------------------------------------------------------------------


def test_detail_shows_every_field(client: Any, city: Any, expert_factory: Any) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from wenping_sched.models import ExpertBusy

    expert = expert_factory(
        name="张明",
        employer="兰州大学",
        title="教授",
        senior=True,
        sectors=("法律", "信访"),
        interests=("甘肃电投集团",),
        max_load=6,
        phone="13800000001",
        email="zm@example.cn",
        prior_load=2,
    )
    tz = ZoneInfo("Asia/Shanghai")
    expert.busy = [
        ExpertBusy(
            start=datetime(2026, 3, 2, 8, 30, tzinfo=tz),
            end=datetime(2026, 3, 2, 12, 0, tzinfo=tz),
            reason="授课",
        )
    ]
    db.session.commit()

    html = _html(client.get(f"/experts/{expert.id}"))
    for text in (
        "张明",
        "兰州大学",
        "教授",
        "法律",
        "信访",
        "甘肃电投集团",
        "13800000001",
        "zm@example.cn",
        "2026年3月2日（周一）08:30",
        "授课",
        "市级专家库",
    ):
        assert text in html, text
    assert re.search(r"<dt>本年评审次数</dt><dd>2</dd>", html)


def test_edit_saves_and_redirects(client: Any, city: Any, expert_factory: Any) -> None:
    expert = expert_factory(name="张明", sectors=("法律",))
    form = _html(client.get(f"/experts/{expert.id}/edit"))
    assert 'value="张明"' in form and 'for="name"' in form

    resp = client.post(
        f"/experts/{expert.id}/edit",
        data={
            "name": "张明远",
            "pool": "敦煌市",
            "employer": "敦煌研究院",
            "title": "研究员",
            "senior": "y",
            "sectors": ["信访", "民族宗教"],
            "interests": "甲公司\n乙公司、丙公司",
            "phone": "138 0000 0009",
            "email": "",
            "max_load": "5",
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"] == f"/experts/{expert.id}"
    db.session.expire_all()
    stored = db.session.get(Expert, expert.id)
    assert stored is not None
    assert (stored.name, stored.pool.code, stored.employer, stored.senior) == (
        "张明远",
        "敦煌市",
        "敦煌研究院",
        True,
    )
    assert stored.sector_names == ["信访", "民族宗教"]
    assert stored.interests == ["甲公司", "乙公司", "丙公司"]
    assert (stored.phone, stored.email, stored.max_load) == ("13800000009", None, 5)
    assert "已保存" in _html(client.get(resp.headers["Location"]))


def _expert_form(expert: Expert, **changes: Any) -> dict[str, Any]:
    data = {
        "name": expert.name,
        "pool": expert.pool.code,
        "employer": expert.employer,
        "sectors": expert.sector_names,
        "phone": expert.phone or "",
        "email": expert.email or "",
    }
    data.update(changes)
    return data


def test_edit_refuses_a_duplicate_phone_without_saving(client: Any, city: Any, expert_factory: Any) -> None:
    first = expert_factory(name="甲", phone="13800000001")
    second = expert_factory(name="乙", phone="13800000002")
    html = _html(
        client.post(
            f"/experts/{second.id}/edit", data=_expert_form(second, name="乙改", phone="13800000001")
        ),
        422,
    )
    assert "手机号 13800000001 已属于专家 甲" in html
    assert "手机号已存在" in html
    assert 'value="乙改"' in html  # the form keeps what was typed
    db.session.expire_all()
    assert db.session.get(Expert, second.id).name == "乙"  # type: ignore[union-attr]
    assert db.session.get(Expert, first.id).phone == "13800000001"  # type: ignore[union-attr]


def test_county_coordinator_cannot_move_an_expert_to_another_pool(
    client: Any, dunhuang: Any, expert_factory: Any
) -> None:
    expert = expert_factory(name="敦煌专家", pool="敦煌市")
    form = _html(client.get(f"/experts/{expert.id}/edit"))
    assert '<option selected value="敦煌市">' in form and 'value="city"' not in form

    html = _html(client.post(f"/experts/{expert.id}/edit", data=_expert_form(expert, pool="city")), 422)
    assert "县区协调员只能维护本县区专家库" in html
    db.session.expire_all()
    assert db.session.get(Expert, expert.id).pool.code == "敦煌市"  # type: ignore[union-attr]


def test_edit_form_errors_are_in_chinese(client: Any, city: Any, expert_factory: Any) -> None:
    expert = expert_factory()
    html = _html(
        client.post(
            f"/experts/{expert.id}/edit",
            data=_expert_form(
                expert, name="", sectors=[], phone="12345", email="not-an-email", max_load="-1"
            ),
        ),
        422,
    )
    for message in (
        "请填写姓名",
        "至少选择一个专业领域",
        "不是有效的电话号码",
        "不是有效的电子邮箱地址",
        "应在 0 到 1000 之间",
    ):
        assert message in html, message


def test_new_expert(client: Any, city: Any) -> None:
    assert "新增专家" in _html(client.get("/experts/new?pool=金塔县"))
    resp = client.post(
        "/experts/new",
        data={
            "name": "李娜",
            "pool": "金塔县",
            "employer": "金塔县人民医院",
            "sectors": ["卫生健康"],
            "phone": "13800000021",
        },
    )
    assert resp.status_code == 302
    expert = db.session.scalar(select(Expert).where(Expert.name == "李娜"))
    assert expert is not None and expert.pool.code == "金塔县" and expert.active
    assert resp.headers["Location"] == f"/experts/{expert.id}"
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "expert.create")) is not None


def test_new_expert_with_unknown_sector_is_refused(client: Any, city: Any) -> None:
    html = _html(
        client.post(
            "/experts/new",
            data={
                "name": "李娜",
                "pool": "city",
                "employer": "某单位",
                "sectors": ["占星"],
                "phone": "13800000021",
            },
        ),
        422,
    )
    assert "未知的专业领域：占星" in html
    assert db.session.scalar(select(Expert)) is None


def test_retire_hides_the_expert_from_the_active_list(client: Any, city: Any, expert_factory: Any) -> None:
    expert = expert_factory(name="将出库")
    keep = expert_factory(name="留下")
    resp = client.post(f"/experts/{expert.id}/retire")
    assert resp.status_code == 302
    assert "已出库" in _html(client.get(resp.headers["Location"]))

    assert _table_names(_html(client.get("/pools"))) == [keep.name]
    assert _table_names(_html(client.get("/pools?active=0"))) == ["将出库"]
    assert sorted(_table_names(_html(client.get("/pools?active=all")))) == ["将出库", "留下"]


def test_retire_needs_post(client: Any, city: Any, expert_factory: Any) -> None:
    expert = expert_factory()
    assert client.get(f"/experts/{expert.id}/retire").status_code == 405


# --- import ----------------------------------------------------------------------------------

HEADER = "姓名,专家库,工作单位,专业领域,职称,高级职称,利害关系单位,手机,邮箱\n"


def test_import_page_and_template(client: Any, city: Any) -> None:
    html = _html(client.get("/experts/import"))
    for header in (
        "姓名",
        "专家库",
        "工作单位",
        "专业领域",
        "职称",
        "高级职称",
        "利害关系单位",
        "手机",
        "邮箱",
    ):
        assert header in html
    assert "整个文件都不会导入" in html

    resp = client.get("/experts/import/template.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.data.startswith(b"\xef\xbb\xbf")
    lines = resp.data.decode("utf-8-sig").splitlines()
    assert lines[0] == HEADER.strip() and len(lines) == 2


def test_import_accepts_a_valid_csv(client: Any, city: Any) -> None:
    pytest.importorskip("wenping_sched.experts.importer")
    from io import BytesIO

    data = (
        HEADER + "张明,市级,兰州大学,法律、信访,教授,是,,13800000001,zm@example.cn\n"
        "王强,敦煌市,敦煌研究院,民族宗教,研究员,否,甲公司,13800000002,\n"
    ).encode()
    resp = client.post(
        "/experts/import", data={"file": (BytesIO(data), "专家.csv")}, content_type="multipart/form-data"
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/pools"
    assert "导入完成：新增 2 名，更新 0 名" in _html(client.get("/pools"))
    assert {x.name for x in db.session.scalars(select(Expert))} == {"张明", "王强"}


def test_import_rejects_a_file_with_a_bad_row(client: Any, city: Any) -> None:
    pytest.importorskip("wenping_sched.experts.importer")
    from io import BytesIO

    data = (
        HEADER + "张明,市级,兰州大学,法律,教授,是,,13800000001,\n"
        "王强,敦煌市,敦煌研究院,占星,研究员,否,,13800000002,\n"
    ).encode()
    resp = client.post(
        "/experts/import", data={"file": (BytesIO(data), "专家.csv")}, content_type="multipart/form-data"
    )
    html = _html(resp, 422)
    assert "未导入任何专家" in html
    assert re.search(r"<tr><td>3</td><td>专业领域</td><td>占星</td><td>[^<]+</td></tr>", html)
    assert db.session.scalar(select(Expert)) is None


def test_import_refuses_other_file_types(client: Any, city: Any) -> None:
    from io import BytesIO

    resp = client.post(
        "/experts/import", data={"file": (BytesIO(b"x"), "专家.txt")}, content_type="multipart/form-data"
    )
    assert "只能上传 .csv 或 .xlsx 文件" in _html(resp, 422)
    assert "请选择要导入的文件" in _html(client.post("/experts/import", data={}), 422)


# --- matters ---------------------------------------------------------------------------------


def test_matter_create_detail_and_stage_change(client: Any, city: Any) -> None:
    form = _html(client.get("/matters/new"))
    assert ">市级</option>" in form and ">阿克塞县</option>" in form

    resp = client.post(
        "/matters/new",
        data={
            "title": "肃州区棚户区改造",
            "category": "城市建设",
            "county": "",
            "responsible_department": "市住建局",
            "related_organisations": "甲置业公司\n乙建设集团",
            "description": "涉及 300 户",
            "risk_level": "",
        },
    )
    assert resp.status_code == 302
    matter = db.session.scalar(select(Matter))
    assert matter is not None and resp.headers["Location"] == f"/matters/{matter.id}"
    assert matter.county is None and matter.related_organisations == ["甲置业公司", "乙建设集团"]

    html = _html(client.get(f"/matters/{matter.id}"))
    for text in ("肃州区棚户区改造", "市住建局", "甲置业公司", "涉及 300 户", "尚未组建评审组"):
        assert text in html, text
    assert '<li class="current" aria-current="step">' in html

    resp = client.post(
        f"/matters/{matter.id}/stage", data={"stage": "4", "risk_level": "中", "notes": "已征求意见"}
    )
    assert resp.status_code == 302
    html = _html(client.get(resp.headers["Location"]))
    assert "已保存" in html and html.count('<li class="done">') == 3
    assert "4. 确定风险等级" in html and "已征求意见" in html
    db.session.expire_all()
    assert (matter.stage, matter.risk_level) == (4, "中")

    html = _html(client.get("/matters"))
    assert "肃州区棚户区改造" in html and "确定风险等级" in html and "<td>市级</td>" in html

    assert "请从列表中选择" in _html(client.post(f"/matters/{matter.id}/stage", data={"stage": "9"}), 422)


def test_matter_list_filters(client: Any, city: Any, matter_factory: Any) -> None:
    matter_factory(title="市级事项", category="城市建设")
    matter_factory(title="敦煌事项", county="敦煌市", category="三农")
    assert "敦煌事项" not in _html(client.get("/matters?county=city"))
    html = _html(client.get("/matters?category=三农"))
    assert "敦煌事项" in html and "市级事项" not in html
    assert "市级事项" not in _html(client.get("/matters?stage=2"))


def test_county_coordinator_registers_only_in_own_county(client: Any, dunhuang: Any) -> None:
    form = _html(client.get("/matters/new"))
    assert ">市级</option>" not in form and ">玉门市</option>" not in form
    data = {"title": "敦煌某项目", "category": "三农", "responsible_department": "敦煌市农业农村局"}

    html = _html(client.post("/matters/new", data={**data, "county": "玉门市"}), 422)
    assert "请从列表中选择" in html
    assert db.session.scalar(select(Matter)) is None

    resp = client.post("/matters/new", data={**data, "county": "敦煌市"})
    assert resp.status_code == 302
    assert db.session.scalar(select(Matter.county)) == "敦煌市"


def test_matter_form_errors_are_in_chinese(client: Any, city: Any) -> None:
    html = _html(
        client.post(
            "/matters/new",
            data={"title": "", "category": "外星人", "county": "", "responsible_department": ""},
        ),
        422,
    )
    assert "请填写事项名称" in html and "请填写评估主体" in html and "请从列表中选择" in html


def test_matter_detail_lists_its_panels(client: Any, app: Any, city: Any, matter_factory: Any) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from wenping_sched.models import Panel

    matter = matter_factory(title="有评审组的事项")
    tz = ZoneInfo("Asia/Shanghai")
    panel = Panel(
        matter=matter,
        status="confirmed",
        size=5,
        seed=7,
        duration_minutes=120,
        window_start=datetime(2026, 3, 2, 8, 30, tzinfo=tz),
        window_end=datetime(2026, 3, 6, 18, tzinfo=tz),
        start=datetime(2026, 3, 3, 9, 0, tzinfo=tz),
        end=datetime(2026, 3, 3, 11, 0, tzinfo=tz),
    )
    db.session.add(panel)
    db.session.commit()

    html = _html(client.get(f"/matters/{matter.id}"))
    assert f"#{panel.id}" in html and "已确认" in html and "2026年3月3日（周二）09:00" in html
    if "panels.detail" in app.view_functions:
        assert f'href="/panels/{panel.id}"' in html
    assert "<td>1</td>" in _html(client.get("/matters"))


def test_posts_without_a_csrf_token_are_refused(
    client: Any, app: Any, city: Any, expert_factory: Any
) -> None:
    expert = expert_factory()
    app.config["WTF_CSRF_ENABLED"] = True
    detail = _html(client.get(f"/experts/{expert.id}"))
    assert 'name="csrf_token"' in detail
    _html(client.post(f"/experts/{expert.id}/retire"), 400)
    db.session.expire_all()
    assert db.session.get(Expert, expert.id).active  # type: ignore[union-attr]

    token = re.search(r'name="csrf_token" value="([^"]+)"', detail)
    assert token is not None
    assert client.post(f"/experts/{expert.id}/retire", data={"csrf_token": token.group(1)}).status_code == 302
