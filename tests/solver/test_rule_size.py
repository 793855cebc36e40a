"""Rule 2 (size): exactly `size` distinct members."""

from tests.solver.helpers import codes, experts, instance, members, panel, solve


def test_panel_has_exactly_size_distinct_members() -> None:
    sol = solve(instance(experts(9), [panel(size=7)]))
    assert len(set(members(sol))) == 7


def test_fewer_experts_than_size_is_a_size_shortage() -> None:
    sol = solve(instance(experts(4), [panel(size=5)]))
    assert sol.status == "infeasible"
    assert codes(sol) == ["size_shortage"]
    assert dict(sol.unfilled[0].reasons[0].details) == {"needed": 5, "eligible": 4}
    assert "市级专家库共有专家4名" in sol.unfilled[0].reasons[0].message
