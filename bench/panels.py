"""``python -m bench.panels``: solve_panels against the random draw and a panel-by-panel solve.

Instances: the contract's example, a city's year and a province (see :mod:`bench.generate`).
Every result is re-checked with :func:`solver.validate.validate_panels`. The table goes to
stdout and to ``bench/results-panels.md``.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench.baselines import panel_by_panel, random_draw
from bench.generate import city_year, province
from solver.instance import PanelInstance, PanelSolution, ineligibility, parse_panels
from solver.panels import solve_panels
from solver.validate import validate_panels

ROOT = Path(__file__).resolve().parent
EXAMPLE = ROOT.parent.parent / "shared" / "contract" / "examples" / "panels-small.json"
RESULTS = ROOT / "results-panels.md"


def metrics(instance: PanelInstance, sol: PanelSolution, seconds: float) -> dict[str, float]:
    """Filled panels, max load, local share, load spread and seconds of one solution."""
    panels = {p.id: p for p in instance.panels}
    final = {e.id: e.load for e in instance.experts}
    local = total = 0
    for a in sol.panels:
        first = panels[a.id].pools[0]
        for eid in a.experts:
            final[eid] += 1
            total += 1
            local += instance.expert(eid).pool == first
    loads = list(final.values())
    problems = validate_panels(instance, sol, require_lottery=False)
    if problems:
        raise AssertionError(f"invalid solution: {problems[:3]}")
    return {
        "filled": len(sol.panels),
        "max_load": max(loads, default=0),
        "local": local / total if total else 0.0,
        "stdev": statistics.pstdev(loads) if loads else 0.0,
        "spread": max(loads, default=0) - min(loads, default=0),
        "seconds": seconds,
    }


def unpredictability(instance: PanelInstance, sol: PanelSolution) -> tuple[float, float]:
    """The largest chance on a panel whose eligible pool is larger than it, and the median smallest chance."""
    by_id = {p.id: p for p in instance.panels}
    largest = 0.0
    smallest: list[float] = []
    for a in sol.panels:
        if a.lottery is None:
            continue
        chances = a.lottery.chances()
        panel = by_id[a.id]
        eligible = sum(1 for e in instance.experts if not ineligibility(e, panel))
        open_ = [p for e, p in chances.items() if e not in panel.fixed]
        if eligible > panel.size and open_:
            largest = max(largest, max(open_))
        smallest.append(min(chances.values()))
    return largest, statistics.median(smallest) if smallest else 0.0


def distinct_drawn(
    instance: PanelInstance, draw: Callable[[int], PanelSolution], seeds: int
) -> tuple[float, int]:
    """Over ``seeds`` seeds: distinct members per panel (mean over panels), distinct experts overall."""
    per_panel: dict[str, set[str]] = {}
    for s in range(seeds):
        for a in draw(s).panels:
            per_panel.setdefault(a.id, set()).update(a.experts)
    everyone = set().union(*per_panel.values()) if per_panel else set()
    return statistics.mean(len(v) for v in per_panel.values()), len(everyone)


def timed(run: Callable[[], PanelSolution], repeats: int = 1) -> tuple[PanelSolution, float, float]:
    """The solution, its wall-clock seconds and its CPU seconds (less disturbed by other processes),
    each the least of ``repeats`` runs: on a shared machine one run of a second can take twice as long."""
    walls, cpus = [], []
    for _ in range(repeats):
        started, cpu = time.perf_counter(), time.process_time()
        sol = run()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return sol, min(walls), min(cpus)


def main() -> None:
    instances: list[tuple[str, PanelInstance, bool]] = []
    if EXAMPLE.exists():
        instances.append(("contract example", parse_panels(json.loads(EXAMPLE.read_text("utf-8"))), True))
    instances.append(("city year", parse_panels(city_year()), True))
    instances.append(("province", parse_panels(province()), False))

    lines = [
        "# Panels benchmark (`python -m bench.panels`)",
        "",
        "All solutions pass `validate_panels`. Seconds are wall-clock on this machine, each in the same run;",
        f"random draw and solve_panels: the least of {REPEATS} runs (the province: of 2), wall and CPU each;",
        "random-draw seconds include candidate times and availability. Local = share of members from the",
        "panel's first pool; stdev/spread = over all experts' final loads.",
        "",
        "| instance | method | panels | filled | max load | local | load stdev | load max-min | seconds "
        "| time vs random | CPU seconds | CPU vs random |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    notes: list[str] = []
    after: list[str] = []  # the city year's unpredictability, below the table
    for name, inst, sequential in instances:
        runs: list[tuple[str, PanelSolution, float, float]] = []
        repeats = REPEATS if sequential else 2
        sol, sec, cpu = timed(lambda i=inst: random_draw(i, seed=1), repeats)  # type: ignore[misc]
        runs.append(("random draw", sol, sec, cpu))
        base, base_cpu = sec, cpu
        if sequential:
            sol, sec, cpu = timed(lambda i=inst: panel_by_panel(i, seed=1))  # type: ignore[misc]
            runs.append(("panel by panel", sol, sec, cpu))
        sol, sec, cpu = timed(lambda i=inst: solve_panels(i, seed=1, time_limit=LIMIT), repeats)  # type: ignore[misc]
        runs.append((f"solve_panels ({sol.status})", sol, sec, cpu))
        stats = dict(sol.stats)
        notes.append(
            f"- {name}: solve_panels' lotteries took {stats.get('lottery_seconds', 0)} s (wall); "
            f"{stats.get('lotteries_by_marginals', 0)} of {len(sol.panels)} by marginals, the others by "
            f"column generation; {stats.get('lotteries_not_leximin', 0)} cut short (not leximin)."
        )
        for method, sol, sec, cpu in runs:
            m = metrics(inst, sol, sec)
            row = (
                f"| {name} | {method} | {len(inst.panels)} | {m['filled']} | {m['max_load']} "
                f"| {m['local']:.1%} "
                f"| {m['stdev']:.2f} | {m['spread']} | {m['seconds']:.2f} | {m['seconds'] / base:.2f}× "
                f"| {cpu:.2f} | {cpu / base_cpu:.2f}× |"
            )
            lines.append(row)
            print(row, flush=True)
        if sequential and name == "city year":
            after = _unpredictability_lines(inst, runs[-1][1])
    lines += ["", *notes, *after]
    for note in notes:
        print(note, flush=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written to {RESULTS}")


SEEDS = 50
# Runs of the random draw and of solve_panels per instance (the least time counts); the province twice.
REPEATS = 5
# Every lottery complete (the default 10 s limit cuts them short on a busy machine)
LIMIT = 300.0


def _unpredictability_lines(inst: PanelInstance, sol: PanelSolution) -> list[str]:
    largest, median_smallest = unpredictability(inst, sol)
    random_mean, random_all = distinct_drawn(inst, lambda s: random_draw(inst, seed=s), SEEDS)
    ours_mean, ours_all = distinct_drawn(inst, lambda s: solve_panels(inst, seed=s, time_limit=LIMIT), SEEDS)
    lines = [
        "",
        f"Unpredictability, city year (solve_panels' lotteries; {SEEDS} seeds for the distinct counts):",
        "",
        "| measure | random draw | solve_panels |",
        "| --- | ---: | ---: |",
        f"| largest chance on a panel with more eligible experts than seats | — | {largest:.4f} |",
        f"| median over panels of the smallest chance | — | {median_smallest:.4f} |",
        f"| distinct members per panel over {SEEDS} seeds (mean) | {random_mean:.1f} | {ours_mean:.1f} |",
        f"| distinct experts drawn over {SEEDS} seeds (whole year) | {random_all} | {ours_all} |",
    ]
    for line in lines:
        print(line, flush=True)
    return lines


if __name__ == "__main__":
    main()
