"""Benchmark the joint-meeting solver against a first-fit baseline: ``python -m bench.meetings``.

Instances are generated here with fixed seeds, as contract JSON (``wenping-meetings/1``),
and parsed like any other; every result is re-checked by ``solver.validate``. The results
go to stdout and to ``bench/results-meetings.md``.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from solver.calendar import WorkCalendar
from solver.instance import MeetingAssignment, MeetingInstance, MeetingSolution, Unscheduled, parse_meetings
from solver.meetings import SOLVER_WORKERS, solve_meetings
from solver.meetings_explain import (
    departments_short,
    explain_unscheduled,
    meeting_options,
    taken_by,
    usable_rooms,
)
from solver.validate import validate_meetings

RESULTS = Path(__file__).with_name("results-meetings.md")

# The thirteen departments of the joint meeting (DOMAIN.md), then the police as an optional one.
DEPARTMENTS = [
    ("纪委", "市纪委"),
    ("监察委", "市监察委员会"),
    ("组织部", "市委组织部"),
    ("宣传部", "市委宣传部"),
    ("信访局", "市信访局"),
    ("发改委", "市发展和改革委员会"),
    ("住建局", "市住房和城乡建设局"),
    ("人社局", "市人力资源和社会保障局"),
    ("教育局", "市教育局"),
    ("卫健委", "市卫生健康委员会"),
    ("生态环境局", "市生态环境局"),
    ("自然资源局", "市自然资源局"),
    ("交通运输局", "市交通运输局"),
]
OPTIONAL = ("公安局", "市公安局")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "强娜伟敏静磊洋艳勇军杰娟涛明超秀霞平刚桂英"
HALF_DAYS = (("08:30", "12:00"), ("14:30", "18:00"))


# --- generation ---------------------------------------------------------------------


def _busy_half_days(rng: random.Random, first: date, last: date, rate: float) -> list[list[str]]:
    """Busy half-days of one person: meetings, inspections and trips, a little clustered."""
    busy = []
    day, previous = first, False
    while day <= last:
        for start, end in HALF_DAYS:
            # A busy half-day makes the next one likelier (a trip, a multi-session inspection).
            p = min(0.9, rate * 1.6) if previous else rate
            previous = rng.random() < p
            if previous:
                busy.append([f"{day.isoformat()}T{start}", f"{day.isoformat()}T{end}"])
        day += timedelta(days=1)
    return busy


def _departments(
    rng: random.Random, first: date, last: date, people: int, rate: float
) -> list[dict[str, Any]]:
    out = []
    for n, (ident, name) in enumerate([*DEPARTMENTS, OPTIONAL]):
        members = [
            {
                "id": f"D{n:02d}{chr(ord('a') + i)}",
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "busy": _busy_half_days(rng, first, last, rate),
            }
            for i in range(people)
        ]
        out.append({"id": ident, "name": name, "people": members})
    return out


def _rooms(rng: random.Random, first: date, last: date) -> list[dict[str, Any]]:
    return [
        {
            "id": "R1",
            "name": "市委第三会议室",
            "capacity": 30,
            "busy": _busy_half_days(rng, first, last, 0.2),
        },
        {
            "id": "R2",
            "name": "市政府小会议室",
            "capacity": 12,
            "busy": _busy_half_days(rng, first, last, 0.3),
        },
        {"id": "R3", "name": "维稳办会商室", "capacity": 8, "busy": []},
    ]


def _window(first: date, days: int) -> list[str]:
    return [f"{first.isoformat()}T08:30", f"{(first + timedelta(days=days - 1)).isoformat()}T18:00"]


def generate_single(seed: int = 20260302) -> dict[str, Any]:
    """13 departments × 2 people with busy half-days, one quarterly meeting in a 15-day window."""
    rng = random.Random(seed)
    first, last = date(2026, 3, 2), date(2026, 3, 16)
    return {
        "format": "wenping-meetings/1",
        "timezone": "Asia/Shanghai",
        "calendar": {"workdays": "cn"},
        "departments": _departments(rng, first, last, people=2, rate=0.35),
        "rooms": _rooms(rng, first, last),
        "meetings": [
            {
                "id": "J1",
                "title": "2026年第一季度稳评联席会议",
                "required": [d for d, _ in DEPARTMENTS],
                "optional": [OPTIONAL[0]],
                "window": _window(first, 15),
                "duration_minutes": 120,
            }
        ],
    }


def generate_year(seed: int = 2026) -> dict[str, Any]:
    """A year: four quarterly meetings of all thirteen departments and ten analysis meetings of a few."""
    rng = random.Random(seed)
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    meetings: list[dict[str, Any]] = []
    for q, month in enumerate((1, 4, 7, 10), start=1):
        start = date(2026, month, 12) if month != 10 else date(2026, 10, 8)
        meetings.append(
            {
                "id": f"Q{q}",
                "title": f"2026年第{q}季度稳评联席会议",
                "required": [d for d, _ in DEPARTMENTS],
                "optional": [OPTIONAL[0]],
                "window": _window(start, 15),
                "duration_minutes": 120,
            }
        )
    ids = [d for d, _ in DEPARTMENTS]
    for n in range(10):
        # Analysis meetings (分析研判) gather the petitions office and the departments concerned;
        # several fall inside a quarterly window, so they compete for the same people.
        if n % 2 == 0:
            quarterly = meetings[n // 3]["window"][0][:10]
            start = date.fromisoformat(quarterly) + timedelta(days=rng.randint(0, 7))
        else:
            start = date(2026, 1 + (n * 11) // 10, rng.randint(5, 20))
        concerned = ["信访局", *rng.sample([d for d in ids if d != "信访局"], rng.randint(3, 6))]
        meetings.append(
            {
                "id": f"A{n + 1:02d}",
                "title": f"2026年第{n + 1}次矛盾纠纷分析研判会",
                "required": concerned,
                "optional": rng.sample([OPTIONAL[0], "宣传部"], 1)
                if "宣传部" not in concerned
                else [OPTIONAL[0]],
                "attendees_per_department": rng.choice((1, 1, 2)),
                "window": _window(start, rng.choice((5, 7, 10))),
                "duration_minutes": rng.choice((90, 120)),
            }
        )
    return {
        "format": "wenping-meetings/1",
        "timezone": "Asia/Shanghai",
        "calendar": {"workdays": "cn"},
        "departments": _departments(rng, first, last, people=2, rate=0.3),
        "rooms": _rooms(rng, first, last),
        "meetings": meetings,
    }


def generate_crowded(seed: int = 2026) -> dict[str, Any]:
    """Stress: the year's fourteen meetings crowded into one 15-day window, competing for everyone."""
    raw = generate_year(seed)
    for m in raw["meetings"]:
        m["window"] = _window(date(2026, 3, 2), 15)
    return raw


# --- baseline -----------------------------------------------------------------------


def first_fit(instance: MeetingInstance) -> MeetingSolution:
    """Meeting by meeting, the earliest start with every required department free; first room that fits."""
    calendar = WorkCalendar(instance.calendar, instance.timezone)
    placed: list[MeetingAssignment] = []
    unscheduled: list[Unscheduled] = []
    for m in instance.meetings:
        people, rooms = taken_by(placed)
        per = m.attendees_per_department
        chosen = None
        for o in meeting_options(instance, m, calendar, people, rooms):
            fits = usable_rooms(instance, m, o)
            if not departments_short(o, m) and fits:
                room = fits[0]
                room_left = room.capacity // per - len(m.required)
                coming = [d for d in m.optional if len(o.free[d]) >= per][: max(room_left, 0)]
                attendees = tuple((d, o.free[d][:per]) for d in (*m.required, *coming))
                chosen = MeetingAssignment(m.id, o.start, o.end, room.id, attendees)
                break
        if chosen:
            placed.append(chosen)
        else:
            unscheduled.append(Unscheduled(m.id, explain_unscheduled(instance, m, calendar, placed)))
    status = "partial" if unscheduled else "feasible"
    return MeetingSolution(status=status, meetings=tuple(placed), unscheduled=tuple(unscheduled))


# --- measuring ----------------------------------------------------------------------


def _timed(
    fn: Callable[[MeetingInstance], MeetingSolution], instance: MeetingInstance
) -> tuple[MeetingSolution, float]:
    began = time.perf_counter()
    result = fn(instance)
    return result, time.perf_counter() - began


def _optional_count(instance: MeetingInstance, solution: MeetingSolution) -> int:
    optional = {m.id: set(m.optional) for m in instance.meetings}
    return sum(1 for a in solution.meetings for d, _ in a.attendees if d in optional[a.id])


def _lateness_hours(instance: MeetingInstance, solution: MeetingSolution) -> float:
    windows = {m.id: m.window[0] for m in instance.meetings}
    return sum((a.start - windows[a.id]).total_seconds() / 3600 for a in solution.meetings)


def run(repeat: int = 3) -> str:
    """Solve every benchmark instance, validate, and return the results as Markdown."""
    cases = [
        ("a: 13 departments × 2 people, 15-day window, 1 meeting", generate_single(), 1.0),
        ("b: a year, 4 quarterly + 10 analysis meetings", generate_year(), 5.0),
        ("c (stress): the same 14 meetings in one 15-day window", generate_crowded(), 5.0),
    ]
    lines = [
        "# Joint-meeting solver benchmark",
        "",
        "`python -m bench.meetings` (deterministic seeds; best of "
        f"{repeat} runs; every solution re-checked by `solver.validate.validate_meetings`).",
        f"Machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start; "
        f"CP-SAT with {SOLVER_WORKERS} workers.",
        "",
        "| instance | target | CP-SAT s | status | proved optimal | scheduled | optional attending "
        "| lateness h | first-fit s | first-fit scheduled | first-fit optional | first-fit lateness h "
        "| time ratio |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    notes = ["", "## Unscheduled meetings (CP-SAT) and why", ""]
    for label, raw, target in cases:
        instance = parse_meetings(raw)
        runs = [_timed(solve_meetings, instance) for _ in range(repeat)]
        solution, seconds = min(runs, key=lambda r: r[1])
        baseline_runs = [_timed(first_fit, instance) for _ in range(repeat)]
        baseline, base_seconds = min(baseline_runs, key=lambda r: r[1])
        for name, sol in (("CP-SAT", solution), ("first-fit", baseline)):
            problems = validate_meetings(instance, sol)
            if problems:
                raise SystemExit(f"{label}: {name} solution invalid:\n" + "\n".join(problems))
        n = len(instance.meetings)
        proved = "yes" if dict(solution.stats).get("proved_optimal") else "no"
        row = (
            f"| {label} | ≤ {target:g} s | {seconds:.3f} | {solution.status} | {proved} "
            f"| {len(solution.meetings)}/{n} | {_optional_count(instance, solution)} "
            f"| {_lateness_hours(instance, solution):.1f} | {base_seconds:.3f} "
            f"| {len(baseline.meetings)}/{n} | {_optional_count(instance, baseline)} "
            f"| {_lateness_hours(instance, baseline):.1f} "
            f"| {seconds / base_seconds:.1f}× |"
        )
        lines.append(row)
        print(row, flush=True)
        for u in solution.unscheduled:
            note = f"- {label.split(':')[0]} {u.id}: " + "; ".join(
                f"`{r.code}` {r.message}" for r in u.reasons
            )
            notes.append(note)
            print(note)
    lines += [
        "",
        "Lateness: hours from each scheduled meeting's window start to its start, summed.",
        "Time ratio: CP-SAT seconds / first-fit seconds; first-fit uses the same free-people precomputation.",
        "Status `partial` means some meeting cannot be held with these busy times; the reasons follow.",
        *notes,
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only, do not write the results file")
    args = parser.parse_args()
    text = run(args.repeat)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
