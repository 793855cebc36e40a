"""Rule 6 (fixed): experts who accepted stay on a redrawn panel."""

from tests.solver.helpers import MONDAY_MORNING, codes, experts, instance, members, panel, solve


def test_fixed_experts_stay() -> None:
    sol = solve(instance(experts(10), [panel(size=4, fixed=["E07", "E09"])]))
    assert {"E07", "E09"} <= set(members(sol))


def test_fixed_expert_who_is_never_free_leaves_no_common_slot() -> None:
    pool = experts(6)
    pool[0]["busy"] = [MONDAY_MORNING]
    sol = solve(instance(pool, [panel(size=3, fixed=["E01"], window=MONDAY_MORNING, duration=180)]))
    assert codes(sol) == ["no_common_slot"]
    assert "专家E01" in sol.unfilled[0].reasons[0].message
