"""Random small instances: every solution passes the validator; every panel is filled or explained."""

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.solver.helpers import expert, instance, panel, solve

SECTORS = ("法律", "信访", "民族宗教")
POOLS = ("city", "肃北县")
DAYS = ("02", "03", "04")


@st.composite
def small_instances(draw: Any) -> Any:
    n = draw(st.integers(2, 8))
    pool = [
        expert(
            f"E{i}",
            pool=draw(st.sampled_from(POOLS)),
            employer=f"单位{draw(st.integers(0, 4))}",
            sectors=tuple(draw(st.lists(st.sampled_from(SECTORS), min_size=1, max_size=2, unique=True))),
            senior=draw(st.booleans()),
            interests=draw(st.lists(st.sampled_from(["县民宗局", "县住建局"]), max_size=1)),
            busy=[
                [f"2026-03-{d}T08:30", f"2026-03-{d}T12:00"]
                for d in draw(st.lists(st.sampled_from(DAYS), max_size=2, unique=True))
            ],
            load=draw(st.integers(0, 2)),
            max_load=draw(st.sampled_from([None, 2, 3])),
        )
        for i in range(n)
    ]
    panels = []
    for j in range(draw(st.integers(1, 3))):
        size = draw(st.integers(1, 3))
        seat = draw(st.sampled_from(SECTORS))
        first = draw(st.sampled_from(DAYS))
        panels.append(
            panel(
                f"P{j}",
                pools=tuple(draw(st.permutations(POOLS))),
                size=size,
                seats=draw(st.sampled_from([{}, {seat: 1}])),
                min_senior=draw(st.integers(0, 1)),
                conflicts=draw(st.lists(st.sampled_from(["县民宗局", "单位0"]), max_size=1)),
                window=[f"2026-03-{first}T08:30", f"2026-03-{first}T18:00"],
                duration=draw(st.sampled_from([90, 180])),
            )
        )
    return instance(pool, panels, seed=draw(st.integers(0, 1000)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_solutions_are_valid_and_every_panel_is_accounted_for(inst: Any) -> None:
    sol = solve(inst, time_limit=5)
    ids = [a.id for a in sol.panels] + [u.id for u in sol.unfilled]
    assert sorted(ids) == sorted(p.id for p in inst.panels)
    assert all(u.reasons for u in sol.unfilled)
