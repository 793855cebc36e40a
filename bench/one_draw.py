"""``python -m bench.one_draw``: one draw and replacement draws, each panel of the city year alone.

Each of the city year's panels is drawn alone through :func:`solver.panels.solve_panels` (all its
experts, its window, their busy times), then redrawn with all members but one or two fixed and
the leavers excluded (a replacement after declines). Every solution is re-checked with
:func:`solver.validate.validate_panels`. Prints CPU seconds (p50, p95, max) and writes them to
``bench/results-one-draw.md``.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from bench.generate import city_year
from solver.instance import parse_panels
from solver.panels import solve_panels
from solver.validate import validate_panels

RESULTS = Path(__file__).resolve().parent / "results-one-draw.md"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    inst = parse_panels(city_year())
    one: list[float] = []
    again: list[float] = []
    for k, panel in enumerate(inst.panels):
        single = dataclasses.replace(inst, panels=(panel,))
        started = time.process_time()
        sol = solve_panels(single, seed=k, time_limit=10)
        one.append(time.process_time() - started)
        if validate_panels(single, sol):
            raise AssertionError(f"invalid draw of {panel.id}")
        if not sol.panels:
            continue
        drawn = list(sol.panels[0].experts)
        leavers = 1 + k % 2
        redo = dataclasses.replace(
            panel, fixed=tuple(drawn[:-leavers]), exclude=(*panel.exclude, *drawn[-leavers:])
        )
        replacement = dataclasses.replace(inst, panels=(redo,))
        started = time.process_time()
        sol = solve_panels(replacement, seed=k, time_limit=10)
        again.append(time.process_time() - started)
        if validate_panels(replacement, sol):
            raise AssertionError(f"invalid replacement draw of {panel.id}")
    lines = [
        "# One draw (`python -m bench.one_draw`)",
        "",
        "Each panel of the city year alone through solve_panels, CPU seconds; then a replacement draw",
        "(all members but one or two fixed, the leavers excluded).",
        "",
        "| draw | panels | p50 | p95 | max |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, values in (("one draw", one), ("replacement draw", again)):
        lines.append(
            f"| {name} | {len(values)} | {percentile(values, 0.5):.4f} | {percentile(values, 0.95):.4f} "
            f"| {max(values):.4f} |"
        )
    text = "\n".join(lines)
    print(text)
    RESULTS.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
