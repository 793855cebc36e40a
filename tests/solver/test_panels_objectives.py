"""The objectives in the contract's order: fill, max load, local first, (lottery), earlier first."""

from bench.baselines import panel_by_panel
from solver.heuristics import State
from solver.panel_data import Prepared
from solver.panels import greedy_batch
from solver.validate import validate_panels
from tests.solver.helpers import MONDAY_MORNING, expert, experts, instance, members, panel, solve


def _contested():
    # P1 comes first and would take the local E1 (local first); P2 needs E1's 民族宗教 at the same time.
    pool = [expert("E1", pool="肃北县", sectors=("民族宗教",)), expert("C1", sectors=("法律",))]
    panels = [
        panel("P1", pools=("肃北县", "city"), window=MONDAY_MORNING, duration=180),
        panel("P2", pools=("肃北县", "city"), seats={"民族宗教": 1}, window=MONDAY_MORNING, duration=180),
    ]
    return instance(pool, panels)


def test_batch_fills_what_panel_by_panel_loses() -> None:
    inst = _contested()
    sequential = panel_by_panel(inst)
    assert validate_panels(inst, sequential) == []
    assert len(sequential.panels) == 1
    sol = solve(inst)
    assert sol.status == "optimal"
    assert members(sol, "P1") == ("C1",) and members(sol, "P2") == ("E1",)


def test_greedy_batch_repairs_a_lost_panel() -> None:
    inst = _contested()
    prep = Prepared(inst, 1)
    state, _ = greedy_batch(prep, deadline=float("inf"))
    assert isinstance(state, State) and len(state.choice) == 2


def test_largest_load_beats_local_first() -> None:
    pool = [expert("L1", pool="玉门市", load=3), expert("C1", load=0), expert("C2", load=1)]
    sol = solve(instance(pool, [panel(pools=("玉门市", "city"))]))
    assert members(sol) in (("C1",), ("C2",))
    assert dict(sol.stats)["max_load"] == 3
    # The local expert would raise the largest load to 4: not in any set of the lottery.
    lottery = sol.panels[0].lottery
    assert lottery is not None and lottery.chances() == {"C1": 0.5, "C2": 0.5}


def test_local_first() -> None:
    pool = [*experts(5, prefix="L", pool="敦煌市"), *experts(5, prefix="C")]
    sol = solve(instance(pool, [panel(pools=("敦煌市", "city"), size=4)]))
    assert all(m.startswith("L") for m in members(sol))


def test_local_first_then_city_for_what_the_county_lacks() -> None:
    pool = [*experts(5, prefix="L", pool="敦煌市"), expert("C1", sectors=("水利",)), *experts(3, prefix="C")]
    sol = solve(instance(pool, [panel(pools=("敦煌市", "city"), size=4, seats={"水利": 1})]))
    assert sorted(m[0] for m in members(sol)) == ["C", "L", "L", "L"]


def test_largest_load_rules_out_the_most_loaded() -> None:
    pool = [expert("E1", load=2), expert("E2", load=1), expert("E3", load=2)]
    sol = solve(instance(pool, [panel()]))
    assert members(sol) == ("E2",)


def test_largest_load_spreads_panels_over_experts() -> None:
    days = [[f"2026-03-0{d}T08:30", f"2026-03-0{d}T18:00"] for d in (2, 3, 4)]
    panels = [panel(f"P{i}", window=w) for i, w in enumerate(days)]
    sol = solve(instance(experts(3), panels))
    assert len({m for a in sol.panels for m in a.experts}) == 3


def test_earlier_first() -> None:
    sol = solve(instance(experts(6), [panel(size=3)]))
    assert sol.panels[0].start.isoformat() == "2026-03-02T08:30:00+08:00"


def test_largest_load_is_minimal_over_a_batch() -> None:
    days = [[f"2026-03-0{d}T08:30", f"2026-03-0{d}T18:00"] for d in (2, 3, 4, 5, 6)]
    panels = [panel(f"P{i}", size=2, window=w) for i, w in enumerate(days)]
    sol = solve(instance(experts(5), panels))
    assert dict(sol.stats)["max_load"] == 2
    assert sol.status == "optimal"
