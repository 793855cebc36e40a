"""The greedy batch pass and the swap improvement: the path year plans take (more than 8 panels)."""

from __future__ import annotations

from solver.heuristics import Choice, State, improve
from solver.instance import PanelSolution
from solver.panel_data import Prepared
from solver.panels import greedy_batch, is_small, load_lower_bound, to_assignment
from solver.validate import validate_panels
from tests.solver.helpers import expert, experts, instance, panel

DAYS = [f"2026-03-{d:02d}" for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)]


def _valid(prep: Prepared, state: State) -> None:
    panels = tuple(to_assignment(prep, prep.panels[p], c) for p, c in sorted(state.choice.items()))
    sol = PanelSolution("feasible", 0, panels, ())
    problems = validate_panels(prep.instance, sol, require_lottery=False)
    assert problems == [] or all("missing from the solution" in p for p in problems), problems


def test_greedy_fills_a_year_like_batch_at_the_lowest_load() -> None:
    # Twelve panels of two (ten one-day windows, two over all ten days): 24 seats, 8 experts, 3 each.
    windows = [[f"{d}T08:30", f"{d}T18:00"] for d in DAYS] + [[f"{DAYS[0]}T08:30", f"{DAYS[-1]}T18:00"]] * 2
    inst = instance(experts(8), [panel(f"P{i:02d}", size=2, window=w) for i, w in enumerate(windows)])
    prep = Prepared(inst, 0)
    assert not is_small(prep)
    state, cap = greedy_batch(prep, deadline=float("inf"))
    assert len(state.choice) == 12
    assert load_lower_bound(prep) == 3 and state.max_load() == 3 and cap == 3
    _valid(prep, state)


def test_greedy_raises_the_cap_only_as_far_as_filling_needs() -> None:
    # Ten panels each need the one 宗教 expert R: filling all of them beats a low largest load.
    windows = [[f"{d}T08:30", f"{d}T18:00"] for d in DAYS]
    pool = [*experts(10), expert("R", sectors=("宗教",))]
    inst = instance(
        pool, [panel(f"P{i}", size=2, seats={"宗教": 1}, window=w) for i, w in enumerate(windows)]
    )
    prep = Prepared(inst, 0)
    state, _ = greedy_batch(prep, deadline=float("inf"))
    assert len(state.choice) == 10
    assert state.max_load() == 10  # R on every panel; everybody else once at most
    assert sorted(state.load)[:-1] == [1] * 10
    _valid(prep, state)


def test_improve_swaps_in_local_and_less_loaded_experts() -> None:
    pool = [*experts(3, prefix="L", pool="金塔县"), *experts(3, prefix="C")]
    windows = [[f"{d}T08:30", f"{d}T18:00"] for d in DAYS[:9]]
    inst = instance(
        pool, [panel(f"P{i}", pools=("金塔县", "city"), size=2, window=w) for i, w in enumerate(windows)]
    )
    prep = Prepared(inst, 0)
    state = State(prep)
    city = [prep.index[c] for c in ("C01", "C02")]
    for p in range(9):
        pd = prep.panels[p]
        state.commit(pd, Choice(pd.starts[0], list(city), {}))
    swaps = improve(prep, state, cap=6, deadline=float("inf"))
    assert swaps > 0
    local = sum(1 for c in state.choice.values() for e in c.members if prep.experts[e].pool == "金塔县")
    assert local == 18  # every seat local now (three local experts, six panels each at most)
    assert state.max_load() <= 6
    assert state.load == [sum(1 for c in state.choice.values() if e in c.members) for e in range(len(pool))]
    _valid(prep, state)
