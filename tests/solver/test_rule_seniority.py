"""Rule 4 (seniority): at least `min_senior` senior members."""

from tests.solver.helpers import codes, expert, experts, instance, members, panel, solve


def test_min_senior_members_are_drawn() -> None:
    pool = [*experts(6, senior=False), expert("S1"), expert("S2")]
    sol = solve(instance(pool, [panel(size=3, min_senior=2)]))
    assert {"S1", "S2"} <= set(members(sol))


def test_too_few_seniors_is_a_senior_shortage() -> None:
    pool = [*experts(6, senior=False), expert("S1")]
    sol = solve(instance(pool, [panel(size=3, min_senior=2)]))
    assert codes(sol) == ["senior_shortage"]
    assert dict(sol.unfilled[0].reasons[0].details) == {"needed": 2, "eligible": 1}
