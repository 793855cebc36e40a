"""``python -m solver.cli panels|meetings INSTANCE.json [-o SOLUTION.json]`` (SOLVER.md).

Exit 0 with the solution, 2 for an invalid instance (one ``pointer: message`` line per
problem on stderr, nothing on stdout), 1 if the solver produced a solution that the
validator rejects (a bug: the solution is not written).
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import sys
from typing import Any

from solver.instance import (
    MAX_SEED,
    InstanceError,
    PanelInstance,
    load_json,
    meeting_solution_to_json,
    panel_solution_to_json,
    parse_meetings,
    parse_panels,
)
from solver.validate import validate_meetings, validate_panels

KINDS = ("panels", "meetings")


def _err(line: str) -> None:
    print(line, file=sys.stderr)


def _utf8_streams() -> None:
    # The output is Chinese: never let a C or Latin-1 locale turn it into an encoding error.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.encoding.lower().replace("-", "") != "utf8":
            stream.reconfigure(encoding="utf-8")


def run(
    kind: str, in_path: str, out_path: str | None, time_limit: float | None = None, seed: int | None = None
) -> int:
    """Solve one instance file and write the solution; returns the exit code."""
    _utf8_streams()
    if kind not in KINDS:
        _err(f"未知的问题类型“{kind}”，应为panels或meetings")
        return 2
    try:
        with open(in_path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        _err(f"{in_path}: 无法读取实例文件（{exc.strerror or exc}）")
        return 2

    try:
        data = load_json(raw)
        instance = parse_panels(data) if kind == "panels" else parse_meetings(data)
    except InstanceError as exc:
        for problem in exc.problems:
            _err(str(problem))
        return 2

    if time_limit is not None and not (0 < time_limit <= 86400):  # also refuses nan
        _err("--time-limit: 求解时限应为大于0且不超过86400的秒数")
        return 2

    solution: dict[str, Any]
    violations: list[str]
    if isinstance(instance, PanelInstance):
        from solver.panels import solve_panels

        if seed is not None and not 0 <= seed <= MAX_SEED:
            _err(f"--seed: 随机种子应为0到{MAX_SEED}之间的整数")
            return 2
        if seed is not None:
            instance = dataclasses.replace(instance, rules=dataclasses.replace(instance.rules, seed=seed))
        panel_solution = solve_panels(instance, time_limit=time_limit)
        violations = validate_panels(instance, panel_solution)
        solution = panel_solution_to_json(panel_solution)
    else:
        from solver.meetings import solve_meetings

        meeting_solution = solve_meetings(instance, time_limit=time_limit)
        violations = validate_meetings(instance, meeting_solution)
        solution = meeting_solution_to_json(meeting_solution)

    if violations:
        _err("内部错误：求解结果未通过校验，未写出结果 (solver bug: solution breaks hard rules)")
        for v in violations:
            _err(v)
        return 1

    text = json.dumps(solution, ensure_ascii=False, indent=1) + "\n"
    if out_path is None or out_path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            with open(out_path, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            _err(f"{out_path}: 无法写出结果文件（{exc.strerror or exc}）")
            return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser shared with ``wenping-sched solve``."""
    parser = argparse.ArgumentParser(
        prog="python -m solver.cli", description="求解专家评审组抽取或联席会议排期"
    )
    parser.add_argument("kind", choices=KINDS, help="panels（评审组）或 meetings（联席会议）")
    parser.add_argument("instance", help="实例JSON文件（UTF-8）")
    parser.add_argument("-o", "--output", default=None, help="结果文件；缺省写到标准输出")
    parser.add_argument("--time-limit", type=float, default=None, help="求解时限（秒）")
    parser.add_argument(
        "--seed", type=int, default=None, help="随机抽取种子，覆盖实例中的rules.seed（仅panels）"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    return run(args.kind, args.instance, args.output, time_limit=args.time_limit, seed=args.seed)


if __name__ == "__main__":
    sys.exit(main())
