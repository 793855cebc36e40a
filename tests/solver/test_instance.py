"""Parsing instances (every problem, with its JSON pointer) and solutions to and from JSON."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from solver.instance import (
    InstanceError,
    MeetingAssignment,
    MeetingSolution,
    PanelAssignment,
    PanelSolution,
    Problem,
    Reason,
    Unfilled,
    Unscheduled,
    Warning,
    load_json,
    meeting_solution_to_json,
    panel_solution_to_json,
    parse_meeting_solution,
    parse_meetings,
    parse_panel_solution,
    parse_panels,
    pointer,
)
from tests.contract import example

SH = ZoneInfo("Asia/Shanghai")


def panels_data() -> dict[str, Any]:
    """A small valid panels instance to break in one place at a time."""
    return {
        "format": "wenping-panels/1",
        "timezone": "Asia/Shanghai",
        "calendar": {"workdays": "cn"},
        "rules": {"max_same_employer": 1, "seed": 7},
        "experts": [
            {
                "id": "E1",
                "name": "张明",
                "pool": "city",
                "employer": "兰州大学",
                "sectors": ["法律"],
                "senior": True,
            },
            {
                "id": "E2",
                "name": "李娜",
                "pool": "敦煌市",
                "employer": "敦煌律所",
                "sectors": ["交通", "法律"],
                "interests": ["甘肃电投集团"],
                "busy": [["2026-03-03T08:30", "2026-03-03T12:00"]],
                "load": 2,
                "max_load": 10,
            },
        ],
        "panels": [
            {
                "id": "P1",
                "matter": "敦煌机场扩建项目",
                "pools": ["敦煌市", "city"],
                "size": 2,
                "seats": {"法律": 1},
                "min_senior": 1,
                "conflicts": ["敦煌市交通运输局"],
                "exclude": [],
                "fixed": ["E1"],
                "window": ["2026-03-02T08:30", "2026-03-13T18:00"],
                "duration_minutes": 180,
            }
        ],
    }


def meetings_data() -> dict[str, Any]:
    """A small valid joint-meetings instance."""
    return {
        "format": "wenping-meetings/1",
        "departments": [
            {"id": "发改委", "name": "市发展和改革委员会", "people": [{"id": "D1a", "name": "王强"}]},
            {
                "id": "公安局",
                "name": "市公安局",
                "people": [{"id": "D2a", "busy": [["2026-03-05T08:30", "2026-03-05T12:00"]]}],
            },
        ],
        "rooms": [{"id": "R1", "name": "市委第三会议室", "capacity": 30, "busy": []}],
        "meetings": [
            {
                "id": "J1",
                "title": "2026年第一季度稳评联席会议",
                "required": ["发改委"],
                "optional": ["公安局"],
                "attendees_per_department": 1,
                "window": ["2026-03-02T08:30", "2026-03-20T18:00"],
                "duration_minutes": 120,
            }
        ],
    }


# --- valid instances ----------------------------------------------------------------


def test_contract_examples_parse() -> None:
    panels = parse_panels(json.loads(example("panels-small.json").read_text("utf-8")))
    assert len(panels.panels) == 20 and len(panels.experts) > 100
    assert panels.rules.seed == 1
    assert panels.panels[0].seats[0] == ("土地征收", 1)
    meetings = parse_meetings(load_json(example("meetings-small.json").read_bytes()))
    assert len(meetings.meetings) == 2 and meetings.meetings[0].required[0] == "纪委"


def test_small_panels_instance_fields_and_defaults() -> None:
    inst = parse_panels(panels_data())
    assert inst.timezone == "Asia/Shanghai"
    assert inst.calendar.work_hours == ((time(8, 30), time(12, 0)), (time(14, 30), time(18, 0)))
    assert inst.calendar.slot_minutes == 30
    e1, e2 = inst.experts
    assert e1.interests == () and e1.busy == () and e1.load == 0 and e1.max_load is None
    assert e2.busy == ((datetime(2026, 3, 3, 8, 30, tzinfo=SH), datetime(2026, 3, 3, 12, 0, tzinfo=SH)),)
    assert e2.load == 2 and e2.max_load == 10
    p = inst.panels[0]
    assert p.pools == ("敦煌市", "city") and p.seats == (("法律", 1),) and p.fixed == ("E1",)
    assert p.window[0].utcoffset() is not None


def test_defaults_when_optional_parts_are_absent() -> None:
    data = panels_data()
    del data["timezone"], data["calendar"], data["rules"]
    for key in ("seats", "min_senior", "conflicts", "exclude", "fixed", "matter"):
        del data["panels"][0][key]
    inst = parse_panels(data)
    assert inst.rules.seed is None and inst.rules.max_same_employer == 1
    assert inst.panels[0].seats == () and inst.panels[0].min_senior == 0


def test_explicit_offset_is_converted_to_instance_timezone() -> None:
    data = panels_data()
    data["panels"][0]["window"] = ["2026-03-02T00:30:00+00:00", "2026-03-13T10:00Z"]
    w = parse_panels(data).panels[0].window
    assert w[0] == datetime(2026, 3, 2, 8, 30, tzinfo=SH)
    assert w[0].tzinfo == SH and w[1].hour == 18


def test_calendar_fields_are_read() -> None:
    data = panels_data()
    data["calendar"] = {
        "workdays": "mon-fri",
        "holidays": ["2027-01-01"],
        "extra_workdays": ["2027-01-09"],
        "work_hours": [["09:00", "11:30"]],
        "slot_minutes": 15,
    }
    cal = parse_panels(data).calendar
    assert cal.workdays == "mon-fri"
    assert cal.holidays == {date(2027, 1, 1)} and cal.extra_workdays == {date(2027, 1, 9)}
    assert cal.work_hours == ((time(9, 0), time(11, 30)),)
    assert cal.slot_minutes == 15


def test_unknown_extra_fields_are_ignored() -> None:
    data = panels_data()
    data["note"] = "x"
    data["experts"][0]["phone"] = "138"
    data["panels"][0]["category"] = "城市建设"
    extra = parse_panels(data)
    plain = parse_panels(panels_data())
    assert extra == plain  # the extra fields change nothing


# --- broken instances ---------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """Set the value at a slash path like ``panels/0/size`` (``-`` deletes it)."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        key: Any = int(last) if isinstance(node, list) else last
        if value == "-":
            del node[key]
        else:
            node[key] = value

    return mutate


def _replace_all(data: dict[str, Any], new: dict[str, Any]) -> None:
    data.clear()
    data.update(new)


def _dup_expert(data: dict[str, Any]) -> None:
    data["experts"].append(dict(data["experts"][0]))


def _dup_panel(data: dict[str, Any]) -> None:
    data["panels"].append(copy.deepcopy(data["panels"][0]))


PANEL_CASES: list[tuple[str, Mutation, list[str]]] = [
    ("only unknown fields", lambda d: _replace_all(d, {"x": 1}), ["/format", "/experts", "/panels"]),
    ("wrong format", _set("format", "wenping-panels/2"), ["/format"]),
    ("missing format", _set("format", "-"), ["/format"]),
    ("bad timezone", _set("timezone", "Asia/Lanzhou"), ["/timezone"]),
    ("calendar not object", _set("calendar", []), ["/calendar"]),
    ("bad workdays", _set("calendar/workdays", "sat"), ["/calendar/workdays"]),
    ("bad holiday date", _set("calendar/holidays", ["2027-13-01"]), ["/calendar/holidays/0"]),
    ("bad extra workday", _set("calendar/extra_workdays", ["2027-01-09", 5]), ["/calendar/extra_workdays/1"]),
    ("work hours reversed", _set("calendar/work_hours", [["12:00", "08:30"]]), ["/calendar/work_hours/0"]),
    ("work hours not HH:MM", _set("calendar/work_hours", [["8:30", "12:00"]]), ["/calendar/work_hours/0/0"]),
    (
        "work hours overlap",
        _set("calendar/work_hours", [["08:30", "12:00"], ["11:00", "13:00"]]),
        ["/calendar/work_hours"],
    ),
    ("slot zero", _set("calendar/slot_minutes", 0), ["/calendar/slot_minutes"]),
    ("slot not dividing a day", _set("calendar/slot_minutes", 7), ["/calendar/slot_minutes"]),
    ("max_same_employer zero", _set("rules/max_same_employer", 0), ["/rules/max_same_employer"]),
    ("seed not int", _set("rules/seed", "abc"), ["/rules/seed"]),
    ("seed bool", _set("rules/seed", True), ["/rules/seed"]),
    ("experts missing", _set("experts", "-"), ["/experts", "/panels/0/fixed/0"]),
    ("experts not array", _set("experts", {}), ["/experts", "/panels/0/fixed/0"]),
    ("expert id missing", _set("experts/1/id", "-"), ["/experts/1/id"]),
    ("expert id not string", _set("experts/1/id", 2), ["/experts/1/id"]),
    ("duplicate expert id", _dup_expert, ["/experts/2/id"]),
    ("pool missing", _set("experts/0/pool", "-"), ["/experts/0/pool"]),
    ("employer missing", _set("experts/0/employer", "-"), ["/experts/0/employer"]),
    ("sectors empty", _set("experts/0/sectors", []), ["/experts/0/sectors"]),
    ("sector not string", _set("experts/0/sectors", ["法律", 3]), ["/experts/0/sectors/1"]),
    ("senior not bool", _set("experts/0/senior", "yes"), ["/experts/0/senior"]),
    ("interests not array", _set("experts/1/interests", "甘肃电投集团"), ["/experts/1/interests"]),
    ("load negative", _set("experts/1/load", -1), ["/experts/1/load"]),
    ("max_load not int", _set("experts/1/max_load", 1.5), ["/experts/1/max_load"]),
    (
        "busy reversed",
        _set("experts/1/busy/0", ["2026-03-03T12:00", "2026-03-03T08:30"]),
        ["/experts/1/busy/0"],
    ),
    (
        "busy empty interval",
        _set("experts/1/busy/0", ["2026-03-03T12:00", "2026-03-03T12:00"]),
        ["/experts/1/busy/0"],
    ),
    ("busy bad time", _set("experts/1/busy/0/0", "明天上午"), ["/experts/1/busy/0/0"]),
    ("busy date only", _set("experts/1/busy/0/1", "2026-03-04"), ["/experts/1/busy/0/1"]),
    ("busy one element", _set("experts/1/busy/0", ["2026-03-03T12:00"]), ["/experts/1/busy/0"]),
    ("panels missing", _set("panels", "-"), ["/panels"]),
    ("panel not object", _set("panels/0", "P1"), ["/panels/0"]),
    ("duplicate panel id", _dup_panel, ["/panels/1/id"]),
    ("pools empty", _set("panels/0/pools", []), ["/panels/0/pools"]),
    ("size zero", _set("panels/0/size", 0), ["/panels/0/size"]),
    ("size string", _set("panels/0/size", "5"), ["/panels/0/size"]),
    ("size missing", _set("panels/0/size", "-"), ["/panels/0/size"]),
    ("seats exceed size", _set("panels/0/seats", {"法律": 2, "交通": 1}), ["/panels/0/seats"]),
    ("seat negative", _set("panels/0/seats", {"法律": -1}), ["/panels/0/seats/法律"]),
    ("seat key escaped", _set("panels/0/seats", {"a/b~c": "x"}), ["/panels/0/seats/a~1b~0c"]),
    ("seats not object", _set("panels/0/seats", ["法律"]), ["/panels/0/seats"]),
    ("min_senior above size", _set("panels/0/min_senior", 3), ["/panels/0/min_senior"]),
    ("min_senior negative", _set("panels/0/min_senior", -1), ["/panels/0/min_senior"]),
    ("exclude unknown expert", _set("panels/0/exclude", ["E9"]), ["/panels/0/exclude/0"]),
    ("fixed unknown expert", _set("panels/0/fixed", ["E1", "E9"]), ["/panels/0/fixed/1"]),
    ("fixed listed twice", _set("panels/0/fixed", ["E1", "E1"]), ["/panels/0/fixed"]),
    (
        "fixed more than size",
        lambda d: d["panels"][0].update(size=1, fixed=["E1", "E2"]),
        ["/panels/0/fixed"],
    ),
    ("fixed and excluded", _set("panels/0/exclude", ["E1"]), ["/panels/0/fixed/0"]),
    ("fixed from another pool", _set("panels/0/pools", ["敦煌市"]), ["/panels/0/fixed/0"]),
    ("fixed employer in conflicts", _set("panels/0/conflicts", ["兰州大学"]), ["/panels/0/fixed/0"]),
    (
        "fixed interest in conflicts",
        lambda d: d["panels"][0].update(fixed=["E2"], conflicts=["甘肃电投集团"]),
        ["/panels/0/fixed/0"],
    ),
    (
        "window reversed",
        _set("panels/0/window", ["2026-03-13T18:00", "2026-03-02T08:30"]),
        ["/panels/0/window"],
    ),
    ("window empty", _set("panels/0/window", ["2026-03-02T08:30", "2026-03-02T08:30"]), ["/panels/0/window"]),
    ("window missing", _set("panels/0/window", "-"), ["/panels/0/window"]),
    ("window not array", _set("panels/0/window", "2026-03-02T08:30/2026-03-13T18:00"), ["/panels/0/window"]),
    ("duration zero", _set("panels/0/duration_minutes", 0), ["/panels/0/duration_minutes"]),
    ("duration under a slot", _set("panels/0/duration_minutes", 20), ["/panels/0/duration_minutes"]),
    ("duration float", _set("panels/0/duration_minutes", 90.5), ["/panels/0/duration_minutes"]),
]


@pytest.mark.parametrize(
    ("mutate", "pointers"), [c[1:] for c in PANEL_CASES], ids=[c[0] for c in PANEL_CASES]
)
def test_broken_panels_instance(mutate: Mutation, pointers: list[str]) -> None:
    data = panels_data()
    mutate(data)
    with pytest.raises(InstanceError) as info:
        parse_panels(data)
    assert [p.pointer for p in info.value.problems] == pointers
    assert all(p.message for p in info.value.problems)


MEETING_CASES: list[tuple[str, Mutation, list[str]]] = [
    ("wrong format", _set("format", "wenping-panels/1"), ["/format"]),
    (
        "departments missing",
        _set("departments", "-"),
        ["/departments", "/meetings/0/required/0", "/meetings/0/optional/0"],
    ),
    ("department people missing", _set("departments/0/people", "-"), ["/departments/0/people"]),
    (
        "duplicate department",
        lambda d: d["departments"].append({"id": "发改委", "people": []}),
        ["/departments/2/id"],
    ),
    (
        "person id repeated across departments",
        _set("departments/1/people/0/id", "D1a"),
        ["/departments/1/people/0/id"],
    ),
    (
        "person busy reversed",
        _set("departments/1/people/0/busy/0", ["2026-03-05T12:00", "2026-03-05T08:30"]),
        ["/departments/1/people/0/busy/0"],
    ),
    ("room capacity negative", _set("rooms/0/capacity", -1), ["/rooms/0/capacity"]),
    ("room capacity missing", _set("rooms/0/capacity", "-"), ["/rooms/0/capacity"]),
    (
        "room busy reversed",
        _set("rooms/0/busy", [["2026-03-05T12:00", "2026-03-05T08:30"]]),
        ["/rooms/0/busy/0"],
    ),
    (
        "unknown required department",
        _set("meetings/0/required", ["发改委", "环保局"]),
        ["/meetings/0/required/1"],
    ),
    ("unknown optional department", _set("meetings/0/optional", ["武装部"]), ["/meetings/0/optional/0"]),
    (
        "department both required and optional",
        _set("meetings/0/optional", ["发改委"]),
        ["/meetings/0/optional/0"],
    ),
    ("required missing", _set("meetings/0/required", "-"), ["/meetings/0/required"]),
    (
        "attendees zero",
        _set("meetings/0/attendees_per_department", 0),
        ["/meetings/0/attendees_per_department"],
    ),
    (
        "window reversed",
        _set("meetings/0/window", ["2026-03-20T18:00", "2026-03-02T08:30"]),
        ["/meetings/0/window"],
    ),
    ("duration negative", _set("meetings/0/duration_minutes", -60), ["/meetings/0/duration_minutes"]),
    ("meetings missing", _set("meetings", "-"), ["/meetings"]),
]


@pytest.mark.parametrize(
    ("mutate", "pointers"), [c[1:] for c in MEETING_CASES], ids=[c[0] for c in MEETING_CASES]
)
def test_broken_meetings_instance(mutate: Mutation, pointers: list[str]) -> None:
    data = meetings_data()
    mutate(data)
    with pytest.raises(InstanceError) as info:
        parse_meetings(data)
    assert [p.pointer for p in info.value.problems] == pointers


def test_meetings_instance_parses_and_rooms_are_optional() -> None:
    inst = parse_meetings(meetings_data())
    assert inst.meetings[0].optional == ("公安局",) and inst.rooms[0].capacity == 30
    assert inst.departments[1].people[0].name == ""
    data = meetings_data()
    del data["rooms"]
    assert parse_meetings(data).rooms == ()


def test_every_problem_is_reported_at_once() -> None:
    data = panels_data()
    data["panels"][0]["window"] = ["2026-03-13T18:00", "2026-03-02T08:30"]
    data["panels"][0]["size"] = 0
    data["experts"][0]["sectors"] = []
    data["timezone"] = "Nowhere/Town"
    with pytest.raises(InstanceError) as info:
        parse_panels(data)
    assert {p.pointer for p in info.value.problems} == {
        "/timezone",
        "/experts/0/sectors",
        "/panels/0/size",
        "/panels/0/window",
    }
    text = str(info.value)
    assert "/panels/0/window: 结束时间必须晚于开始时间" in text.splitlines()


def test_top_level_not_an_object() -> None:
    with pytest.raises(InstanceError) as info:
        parse_panels([1, 2])
    assert [p.pointer for p in info.value.problems] == [""]


@pytest.mark.parametrize("text", ["{", "", "[1,]", b"\xff\xfe{"])
def test_bad_json_text(text: str | bytes) -> None:
    with pytest.raises(InstanceError) as info:
        load_json(text)
    assert [p.pointer for p in info.value.problems] == [""]


def test_load_json_accepts_bytes_with_bom() -> None:
    assert load_json('\ufeff{"a": "稳评"}'.encode()) == {"a": "稳评"}


def test_pointer_escaping() -> None:
    assert pointer("panels", 3, "seats", "a/b~c") == "/panels/3/seats/a~1b~0c"
    assert (
        str(Problem("/panels/3/window", "结束时间必须晚于开始时间"))
        == "/panels/3/window: 结束时间必须晚于开始时间"
    )


# --- solutions ----------------------------------------------------------------------


def _panel_solution(warnings: tuple[Warning, ...] = ()) -> PanelSolution:
    return PanelSolution(
        status="partial",
        seed=20260302,
        panels=(
            PanelAssignment(
                id="P001",
                experts=("E003", "E017", "E042"),
                seats=(("交通", ("E017",)), ("法律", ("E003",))),
                start=datetime(2026, 3, 2, 8, 30, tzinfo=SH),
                end=datetime(2026, 3, 2, 11, 30, tzinfo=SH),
            ),
        ),
        unfilled=(
            Unfilled(
                id="P007",
                reasons=(
                    Reason(
                        code="sector_shortage",
                        message="阿克塞县和市级专家库中没有可回避冲突的宗教领域专家",
                        details=(("sector", "宗教"), ("needed", 1), ("eligible", 0)),
                    ),
                ),
            ),
        ),
        stats=(("solve_seconds", 0.84), ("max_load", 4)),
        warnings=warnings,
    )


def test_panel_solution_json_shape() -> None:
    out = panel_solution_to_json(_panel_solution())
    assert out == {
        "format": "wenping-panels-solution/1",
        "status": "partial",
        "seed": 20260302,
        "panels": [
            {
                "id": "P001",
                "experts": ["E003", "E017", "E042"],
                "seats": {"交通": ["E017"], "法律": ["E003"]},
                "start": "2026-03-02T08:30:00+08:00",
                "end": "2026-03-02T11:30:00+08:00",
            }
        ],
        "unfilled": [
            {
                "id": "P007",
                "reasons": [
                    {
                        "code": "sector_shortage",
                        "sector": "宗教",
                        "needed": 1,
                        "eligible": 0,
                        "message": "阿克塞县和市级专家库中没有可回避冲突的宗教领域专家",
                    }
                ],
            }
        ],
        "stats": {"solve_seconds": 0.84, "max_load": 4},
    }
    assert "warnings" not in out


def test_panel_solution_round_trip_with_warnings() -> None:
    sol = _panel_solution(
        (
            Warning(
                code="calendar_unknown",
                year=2027,
                message="2027年法定节假日安排尚未录入，按周一至周五安排工作日",
            ),
        )
    )
    out = panel_solution_to_json(sol)
    assert out["warnings"] == [
        {
            "code": "calendar_unknown",
            "year": 2027,
            "message": "2027年法定节假日安排尚未录入，按周一至周五安排工作日",
        }
    ]
    back = parse_panel_solution(json.loads(json.dumps(out, ensure_ascii=False)))
    assert back == sol


def test_utc_times_are_written_in_beijing_time_when_given_so() -> None:
    sol = _panel_solution()
    out = panel_solution_to_json(sol)
    assert all(p["start"].endswith("+08:00") and p["end"].endswith("+08:00") for p in out["panels"])


def _meeting_solution() -> MeetingSolution:
    return MeetingSolution(
        status="partial",
        meetings=(
            MeetingAssignment(
                id="J1",
                start=datetime(2026, 3, 2, 8, 30, tzinfo=SH),
                end=datetime(2026, 3, 2, 10, 30, tzinfo=SH),
                room="R1",
                attendees=(("发改委", ("D01b",)), ("公安局", ("D14a",))),
            ),
        ),
        unscheduled=(
            Unscheduled(
                id="J2",
                reasons=(
                    Reason(
                        code="department_unavailable",
                        message="信访局在窗口内没有人员空闲",
                        details=(("department", "信访局"),),
                    ),
                ),
            ),
        ),
        stats=(("solve_seconds", 0.12),),
    )


def test_meeting_solution_json_shape_and_round_trip() -> None:
    sol = _meeting_solution()
    out = meeting_solution_to_json(sol)
    assert out == {
        "format": "wenping-meetings-solution/1",
        "status": "partial",
        "meetings": [
            {
                "id": "J1",
                "start": "2026-03-02T08:30:00+08:00",
                "end": "2026-03-02T10:30:00+08:00",
                "room": "R1",
                "attendees": {"发改委": ["D01b"], "公安局": ["D14a"]},
            }
        ],
        "unscheduled": [
            {
                "id": "J2",
                "reasons": [
                    {
                        "code": "department_unavailable",
                        "department": "信访局",
                        "message": "信访局在窗口内没有人员空闲",
                    }
                ],
            }
        ],
        "stats": {"solve_seconds": 0.12},
    }
    assert parse_meeting_solution(json.loads(json.dumps(out))) == sol


def test_meeting_alternatives_round_trip() -> None:
    alt = ((datetime(2026, 3, 3, 8, 30, tzinfo=SH), datetime(2026, 3, 3, 10, 30, tzinfo=SH)),)
    sol = MeetingSolution(
        status="optimal", meetings=_meeting_solution().meetings, unscheduled=(), alternatives=(("J1", alt),)
    )
    out = meeting_solution_to_json(sol)
    assert out["alternatives"] == {"J1": [["2026-03-03T08:30:00+08:00", "2026-03-03T10:30:00+08:00"]]}
    assert parse_meeting_solution(out) == sol


def test_broken_solution_reports_pointers() -> None:
    out = panel_solution_to_json(_panel_solution())
    out["panels"][0]["start"] = "soon"
    del out["panels"][0]["end"]
    del out["seed"]
    with pytest.raises(InstanceError) as info:
        parse_panel_solution(out)
    assert [p.pointer for p in info.value.problems] == ["/seed", "/panels/0/start", "/panels/0/end"]
