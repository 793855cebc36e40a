"""``wenping-sched verify-draw`` and the stand-alone script of docs/verify-draw.md: a true record holds, every
kind of forgery is named, an unreadable file is exit 2; neither needs the solver or the database."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from solver import draw_proof
from wenping_sched.cli import main

ROOT = Path(__file__).resolve().parents[2]
WINDOW = ["2027-03-01T08:30", "2027-03-12T18:00"]


@pytest.fixture
def record(client, make_user, auth_headers, expert_factory, matter_factory) -> dict[str, Any]:
    """A true record of a witnessed draw, as GET /api/v1/draws/{id} gives it."""
    for i, sector in enumerate(("法律", "法律", "信访", "信访", "经济", "社会稳定")):
        expert_factory(sectors=(sector,), senior=i % 2 == 0)
    matter = matter_factory()
    headers = auth_headers(make_user())
    body = {"size": 3, "seats": {"法律": 1}, "min_senior": 1, "window": WINDOW, "duration_minutes": 120}
    committed = client.post(f"/api/v1/matters/{matter.id}/draws", json=body, headers=headers).get_json()
    witness = {"witness": "马监督", "witness_input": "731946"}
    assert (
        client.post(f"/api/v1/draws/{committed['id']}/reveal", json=witness, headers=headers).status_code
        == 201
    )
    data: dict[str, Any] = client.get(f"/api/v1/draws/{committed['id']}", headers=headers).get_json()
    return data


def _recompute_chances(r: dict[str, Any]) -> None:
    r["lottery"]["chances"] = draw_proof.chances(r["lottery"]["tickets"], r["lottery"]["total"])


def _forge_tickets(r: dict[str, Any]) -> None:
    """Put an outsider into the first set (kept in canonical order, chances made to match)."""
    first = r["lottery"]["tickets"][0]
    first["experts"] = sorted([*first["experts"][:-1], "999999"])
    r["lottery"]["tickets"] = draw_proof.canonical_tickets(r["lottery"]["tickets"])
    _recompute_chances(r)


def _forge_chance(r: dict[str, Any]) -> None:
    expert = next(iter(r["lottery"]["chances"]))
    r["lottery"]["chances"][expert] = round(r["lottery"]["chances"][expert] / 2, 4)


def _other_hex(text: str) -> str:
    return ("0" if text[0] != "0" else "1") + text[1:]


def _forge_experts(r: dict[str, Any]) -> None:
    r["experts"] = [*r["experts"][:-1], "999999"]


FORGERIES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "tickets": (_forge_tickets, "承诺值"),
    "total": (lambda r: r["lottery"].update(total=r["lottery"]["total"] + 1), "total"),
    "chances": (_forge_chance, "机会"),
    "commitment": (lambda r: r.update(commitment=_other_hex(r["commitment"])), "承诺值"),
    "nonce": (lambda r: r.update(nonce=_other_hex(r["nonce"])), "承诺值"),
    "witness_input": (lambda r: r.update(witness_input="731947"), "种子"),
    "seed": (lambda r: r.update(seed=(r["seed"] + 1) % 2**31), "种子"),
    "ticket": (lambda r: r.update(ticket=(r["ticket"] + 1) % r["lottery"]["total"]), "中签号"),
    "experts": (_forge_experts, "抽中的专家"),
    "nonce before the reveal": (lambda r: r.update(status="committed"), "nonce"),
}


def _run(runner: Any, tmp_path: Path, data: Any, name: str = "record.json") -> Any:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return runner.invoke(main, ["verify-draw", str(path)])


def test_a_true_record_holds(runner, tmp_path, record):
    assert draw_proof.verify_record(record) == []
    result = _run(runner, tmp_path, record)
    assert result.exit_code == 0, result.output
    assert "核对无误" in result.output and str(record["seed"]) in result.output


@pytest.mark.parametrize("what", list(FORGERIES))
def test_each_forgery_is_named(runner, tmp_path, record, what):
    forge, named = FORGERIES[what]
    forged = copy.deepcopy(record)
    forge(forged)
    result = _run(runner, tmp_path, forged)
    assert result.exit_code == 1, result.output
    assert "核对不通过" in result.output and named in result.output, result.output


def test_an_unreadable_file_is_exit_2(runner, tmp_path):
    (tmp_path / "bad.json").write_bytes(b"{not json")
    assert runner.invoke(main, ["verify-draw", str(tmp_path / "bad.json")]).exit_code == 2
    assert runner.invoke(main, ["verify-draw", str(tmp_path / "missing.json")]).exit_code == 2
    assert _run(runner, tmp_path, [1, 2, 3]).exit_code == 2
    (tmp_path / "gbk.json").write_bytes('{"备注": "抽取"}'.encode("gbk"))
    assert runner.invoke(main, ["verify-draw", str(tmp_path / "gbk.json")]).exit_code == 2


def test_a_malformed_record_is_named_not_a_traceback(runner, tmp_path, record):
    broken = copy.deepcopy(record)
    broken["lottery"]["tickets"][0]["experts"] = 5
    result = _run(runner, tmp_path, broken)
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_a_committed_record_holds_as_far_as_it_goes(runner, tmp_path, record):
    committed = {k: v for k, v in record.items() if k not in ("nonce", "seed", "ticket", "experts")}
    committed["status"] = "committed"
    result = _run(runner, tmp_path, committed)
    assert result.exit_code == 0 and "揭晓后" in result.output


def test_verify_draw_needs_neither_the_solver_nor_the_database(tmp_path, record):
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from wenping_sched.cli import main\n"
        f"result = CliRunner().invoke(main, ['verify-draw', {str(path)!r}])\n"
        "heavy = [m for m in ('ortools', 'solver.panels', 'solver.lottery', 'psycopg') if m in sys.modules]\n"
        "print(result.exit_code, heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "0 []", out.stdout + out.stderr
    bare = subprocess.run(
        [sys.executable, "-c", "import sys, solver.draw_proof; print('ortools' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert bare.stdout.strip() == "False"


def _doc_script(tmp_path: Path) -> Path:
    text = (ROOT / "docs" / "verify-draw.md").read_text(encoding="utf-8")
    [code] = re.findall(r"```python\n(.*?)```", text, re.S)
    path = tmp_path / "verify_draw.py"
    path.write_text(code, encoding="utf-8")
    return path


def test_the_documented_script_checks_a_record_on_its_own(tmp_path, record):
    script = _doc_script(tmp_path)
    true_path = tmp_path / "true.json"
    true_path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    ok = subprocess.run([sys.executable, "-I", str(script), str(true_path)], capture_output=True, text=True)
    assert ok.returncode == 0 and "核对无误" in ok.stdout, ok.stdout + ok.stderr
    for what, (forge, _named) in FORGERIES.items():
        if what == "nonce before the reveal":
            continue  # a rule of the record's shape, not of the arithmetic the script redoes
        forged = copy.deepcopy(record)
        forge(forged)
        path = tmp_path / "forged.json"
        path.write_text(json.dumps(forged, ensure_ascii=False), encoding="utf-8")
        bad = subprocess.run([sys.executable, "-I", str(script), str(path)], capture_output=True, text=True)
        assert bad.returncode == 1, (what, bad.stdout, bad.stderr)
