"""Leximin: against a brute-force enumeration of every member set, and the cases the contract names."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.linear_solver import pywraplp

from solver.instance import PanelInstance
from solver.lottery import place, single_panel
from solver.panel_data import Prepared
from tests.solver.helpers import expert, experts, instance, members, panel, solve

SECTORS = ("法律", "信访", "宗教")
POOLS = ("city", "肃北县")
DAYS = ("02", "03")


def brute_force_family(inst: PanelInstance) -> list[tuple[str, ...]]:
    """Every set that keeps the hard rules (by ``place``), then best by objectives 2 and 3."""
    p = inst.panels[0]
    floor = max(e.load for e in inst.experts)
    valid = [
        s
        for s in itertools.combinations(sorted(e.id for e in inst.experts), p.size)
        if place(inst, p.id, s) is not None
    ]
    if not valid:
        return []
    by_id = inst.experts_by_id

    def key(s: tuple[str, ...]) -> tuple[int, ...]:
        load = max(floor, *(by_id[e].load + 1 for e in s))
        ranks = [sum(1 for e in s if p.pools.index(by_id[e].pool) == r) for r in range(len(p.pools))]
        return (load, *(-c for c in ranks))

    best = min(key(s) for s in valid)
    return [s for s in valid if key(s) == best]


def brute_force_leximin(sets: list[tuple[str, ...]]) -> dict[str, float]:
    """The textbook leximin over all sets: raise the floor, fix who cannot rise above it, repeat."""
    people = sorted({e for s in sets for e in s})
    fixed: dict[str, float] = {}

    def lp(objective: str | None, floor: float | None) -> float:
        solver = pywraplp.Solver.CreateSolver("GLOP")
        lam = [solver.NumVar(0, 1, "") for _ in sets]
        solver.Add(sum(lam) == 1)
        z = solver.NumVar(0, 1, "z")
        chance = {e: sum(lam[k] for k, s in enumerate(sets) if e in s) for e in people}
        for e, v in fixed.items():
            solver.Add(chance[e] >= v - 1e-9)
        for e in people:
            if e not in fixed:
                solver.Add(chance[e] >= (z if floor is None else floor - 1e-9))
        solver.Maximize(z if objective is None else chance[objective])
        assert solver.Solve() == pywraplp.Solver.OPTIMAL
        return solver.Objective().Value()

    while len(fixed) < len(people):
        z = lp(None, None)
        stuck = [e for e in people if e not in fixed and lp(e, z) <= z + 1e-7]
        for e in stuck:
            fixed[e] = z
    return fixed


@st.composite
def small_panels(draw: Any) -> PanelInstance:
    n = draw(st.integers(3, 8))
    pool = [
        expert(
            f"E{i}",
            pool=draw(st.sampled_from(POOLS)),
            employer=f"单位{draw(st.integers(0, 5))}",
            sectors=tuple(draw(st.lists(st.sampled_from(SECTORS), min_size=1, max_size=2, unique=True))),
            senior=draw(st.booleans()),
            busy=[
                [f"2026-03-{d}T08:30", f"2026-03-{d}T12:00"]
                for d in draw(st.lists(st.sampled_from(DAYS), max_size=2, unique=True))
            ],
            load=draw(st.integers(0, 2)),
        )
        for i in range(n)
    ]
    size = draw(st.integers(1, 3))
    seats = draw(st.sampled_from([{}, {"宗教": 1}, {"法律": 1, "信访": 1}]))
    if sum(seats.values()) > size:
        seats = {}
    one = panel(
        pools=tuple(draw(st.permutations(POOLS))),
        size=size,
        seats=seats,
        min_senior=draw(st.integers(0, 1)),
        window=["2026-03-02T08:30", "2026-03-03T12:00"],
        duration=180,
        fixed=draw(st.sampled_from([[], ["E0"]])),
    )
    return instance(pool, [one], seed=1)


def exact_chances(inst: PanelInstance) -> dict[str, float] | None:
    prep = Prepared(inst, 0)
    _, pf, lex = single_panel(prep, prep.panels[0], None)
    if pf is None or lex is None:
        return None
    assert lex.exact
    return {prep.experts[pf.experts[i]].id: p for i, p in lex.chances.items()}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(small_panels())
def test_leximin_matches_brute_force_over_every_set(inst: PanelInstance) -> None:
    fixed = inst.panels[0].fixed
    if fixed and any(e.id == "E0" and e.pool not in inst.panels[0].pools for e in inst.experts):
        return  # a fixed expert outside the pools is an invalid instance, refused at the door
    sets = brute_force_family(inst)
    ours = exact_chances(inst)
    if not sets:
        assert ours is None
        return
    truth = brute_force_leximin(sets)
    assert ours is not None and set(ours) == set(truth)
    for e, p in truth.items():
        assert abs(ours[e] - p) <= 1e-6, (e, ours[e], p)
    lottery = solve(inst).panels[0].lottery
    assert lottery is not None
    for e, p in lottery.chances().items():
        assert abs(p - truth[e]) <= 2 / lottery.total + 1e-9, (e, p, truth[e])
    for ids, _ in lottery.tickets:
        assert tuple(sorted(ids)) in sets


def test_scarce_seat_second_expert_is_not_left_at_the_floor() -> None:
    # Three seats, one for 宗教: R1 and R2 are the only 宗教 experts. Every set holds one of them,
    # so together they have at least 1; the eight lawyers share the other 2 seats (0.25 each).
    # Maximin alone could give R1 0.75 and R2 0.25; leximin raises the second one too: 0.5 each.
    pool = [*experts(8, sectors=("法律",)), *experts(2, prefix="R", sectors=("宗教",))]
    sol = solve(instance(pool, [panel(size=3, seats={"宗教": 1})]))
    lottery = sol.panels[0].lottery
    assert lottery is not None
    chances = lottery.chances()
    assert all(abs(chances[f"E{i:02d}"] - 0.25) <= 0.002 for i in range(1, 9)), chances
    assert abs(chances["R01"] - 0.5) <= 0.002 and abs(chances["R02"] - 0.5) <= 0.002, chances


def test_fixed_members_have_chance_one_and_sit_in_every_set() -> None:
    pool = experts(9)
    sol = solve(instance(pool, [panel(size=4, fixed=["E03", "E07"])]))
    lottery = sol.panels[0].lottery
    assert lottery is not None
    assert lottery.chances()["E03"] == lottery.chances()["E07"] == 1.0
    assert all({"E03", "E07"} <= set(ids) for ids, _ in lottery.tickets)
    others = [p for e, p in lottery.chances().items() if e not in ("E03", "E07")]
    assert all(abs(p - 2 / 7) <= 0.002 for p in others)


def test_experts_in_no_set_have_no_chance() -> None:
    # E09 is busy all week: in no set of F, so not in the chances at all.
    pool = [*experts(8), expert("E09", busy=[["2026-03-02T08:30", "2026-03-06T18:00"]])]
    lottery = solve(instance(pool, [panel(size=2)])).panels[0].lottery
    assert lottery is not None and "E09" not in lottery.chances()


def test_observed_frequencies_follow_the_published_chances() -> None:
    pool = [*experts(6, sectors=("法律",)), *experts(2, prefix="R", sectors=("宗教",))]
    inst = instance(pool, [panel(size=3, seats={"宗教": 1})], seed=None)
    lottery = solve(inst, seed=0).panels[0].lottery
    assert lottery is not None
    n = 600
    seen = Counter(m for s in range(n) for m in members(solve(inst, seed=s)))
    for e, p in lottery.chances().items():
        sd = (n * p * (1 - p)) ** 0.5
        assert abs(seen[e] - n * p) <= 4 * sd + 1, (e, seen[e], n * p)
