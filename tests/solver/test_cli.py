"""``python -m solver.cli``: exit codes, stderr lines with JSON pointers, and end-to-end solves."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from solver import cli
from solver.draw_proof import ticket_for
from solver.instance import (
    Lottery,
    MeetingInstance,
    PanelAssignment,
    PanelInstance,
    PanelSolution,
    parse_meeting_solution,
    parse_meetings,
    parse_panel_solution,
    parse_panels,
)
from solver.validate import validate_meetings, validate_panels
from tests.contract import example

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTHONIOENCODING": "ascii",
    }  # the CLI must not depend on it
    return subprocess.run(
        [sys.executable, "-m", "solver.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )


def broken_panels() -> dict[str, Any]:
    return {
        "format": "wenping-panels/1",
        "experts": [{"id": "E1", "pool": "city", "employer": "兰州大学", "sectors": ["法律"]}],
        "panels": [
            {
                "id": "P0",
                "pools": ["city"],
                "size": 1,
                "window": ["2026-03-02T08:30", "2026-03-02T12:00"],
                "duration_minutes": 60,
            },
            {
                "id": "P1",
                "pools": ["city"],
                "size": 1,
                "window": ["2026-03-02T08:30", "2026-03-02T12:00"],
                "duration_minutes": 60,
            },
            {
                "id": "P2",
                "pools": ["city"],
                "size": 1,
                "window": ["2026-03-02T08:30", "2026-03-02T12:00"],
                "duration_minutes": 60,
            },
            {
                "id": "P3",
                "pools": ["city"],
                "size": 1,
                "window": ["2026-03-13T18:00", "2026-03-02T08:30"],
                "duration_minutes": 60,
                "exclude": ["E9"],
            },
        ],
    }


def test_broken_instance_exits_2_with_pointers(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken_panels(), ensure_ascii=False), encoding="utf-8")
    proc = run_cli("panels", str(path))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert "/panels/3/window: 结束时间必须晚于开始时间" in lines
    assert any(line.startswith("/panels/3/exclude/0: ") for line in lines)
    assert len(lines) == 2


def test_bad_json_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"format": ', encoding="utf-8")
    proc = run_cli("meetings", str(path), "-o", str(tmp_path / "out.json"))
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    assert "JSON" in proc.stderr
    assert not (tmp_path / "out.json").exists()


def test_missing_file_exits_2(tmp_path: Path) -> None:
    proc = run_cli("panels", str(tmp_path / "nowhere.json"))
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    assert "nowhere.json" in proc.stderr


def test_unknown_kind_exits_2() -> None:
    proc = run_cli("dinners", "x.json")
    assert proc.returncode == 2 and proc.stdout == ""


def test_run_in_process_reports_each_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken_panels(), ensure_ascii=False), encoding="utf-8")
    assert cli.run("panels", str(path), None) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "/panels/3/window: 结束时间必须晚于开始时间" in captured.err.splitlines()


# --- with a stand-in solver: the CLI's own duties -------------------------------------

VALID_ONE = {
    "format": "wenping-panels/1",
    "rules": {"seed": 5},
    "experts": [{"id": "E1", "pool": "city", "employer": "兰州大学", "sectors": ["法律"]}],
    "panels": [
        {
            "id": "P1",
            "pools": ["city"],
            "size": 1,
            "window": ["2026-03-02T08:30", "2026-03-02T12:00"],
            "duration_minutes": 60,
        }
    ],
}


def _fake_panels(monkeypatch: pytest.MonkeyPatch, start_hour: int, seen: list[PanelInstance]) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    def solve_panels(instance: PanelInstance, *, time_limit: float | None = None) -> PanelSolution:
        seen.append(instance)
        start = datetime(2026, 3, 2, start_hour, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
        end = start.replace(hour=start_hour + 1)
        seed = instance.rules.seed or 0
        lottery = Lottery(1000, ((("E1",), 1000),), ticket_for(seed, "P1", 1000))
        assignment = PanelAssignment(
            id="P1", experts=("E1",), seats=(), start=start, end=end, lottery=lottery
        )
        return PanelSolution(
            status="optimal", seed=instance.rules.seed or 0, panels=(assignment,), unfilled=()
        )

    fake = types.ModuleType("solver.panels")
    fake.solve_panels = solve_panels  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "solver.panels", fake)


def test_writes_valid_solution_and_seed_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[PanelInstance] = []
    _fake_panels(monkeypatch, 8, seen)
    src, out = tmp_path / "in.json", tmp_path / "out.json"
    src.write_text(json.dumps(VALID_ONE), encoding="utf-8")
    assert cli.main(["panels", str(src), "-o", str(out), "--seed", "42", "--time-limit", "3"]) == 0
    assert seen[0].rules.seed == 42
    data = json.loads(out.read_text("utf-8"))
    assert data["seed"] == 42 and data["panels"][0]["start"] == "2026-03-02T08:30:00+08:00"
    assert capsys.readouterr().out == ""


def test_refuses_to_write_an_invalid_solution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _fake_panels(monkeypatch, 12, [])  # 12:30 to 13:30 crosses the lunch break
    src, out = tmp_path / "in.json", tmp_path / "out.json"
    src.write_text(json.dumps(VALID_ONE), encoding="utf-8")
    assert cli.run("panels", str(src), str(out)) == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert "P1" in err and "not inside the window" in err


# --- end to end with the real solvers (run once they exist) ---------------------------


def _has(module: str, name: str) -> bool:
    try:
        return hasattr(importlib.import_module(module), name)
    except ImportError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(
    not _has("solver.panels", "solve_panels"), reason="solver.panels.solve_panels not written yet"
)
def test_panels_example_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "sol.json"
    proc = run_cli("panels", str(example("panels-small.json")), "-o", str(out), "--time-limit", "10")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    text = out.read_text("utf-8")
    assert "\\u" not in text  # ensure_ascii=False: Chinese stays readable
    data = json.loads(text)
    assert data["format"] == "wenping-panels-solution/1" and data["seed"] == 1
    instance = parse_panels(json.loads(example("panels-small.json").read_text("utf-8")))
    assert validate_panels(instance, parse_panel_solution(data)) == []


@pytest.mark.skipif(
    not _has("solver.meetings", "solve_meetings"), reason="solver.meetings.solve_meetings not written yet"
)
def test_meetings_example_end_to_end() -> None:
    proc = run_cli("meetings", str(example("meetings-small.json")), "--time-limit", "10")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["format"] == "wenping-meetings-solution/1"
    instance: MeetingInstance = parse_meetings(json.loads(example("meetings-small.json").read_text("utf-8")))
    assert validate_meetings(instance, parse_meeting_solution(data)) == []
