"""Rule 5 (employers): at most `max_same_employer` members share an employer."""

from collections import Counter

from tests.solver.helpers import codes, expert, instance, members, panel, solve


def test_one_member_per_employer_by_default() -> None:
    pool = [expert(f"E{i}", employer=f"单位{i % 3}") for i in range(9)]
    inst = instance(pool, [panel(size=3)])
    sol = solve(inst)
    employers = Counter(inst.expert(e).employer for e in members(sol))
    assert max(employers.values()) == 1


def test_max_same_employer_two_allows_pairs() -> None:
    pool = [expert(f"E{i}", employer=f"单位{i % 2}") for i in range(6)]
    sol = solve(instance(pool, [panel(size=4)], max_same_employer=2))
    assert sol.status == "optimal"


def test_too_few_employers_is_employer_diversity() -> None:
    pool = [expert(f"E{i}", employer=f"单位{i % 2}") for i in range(6)]
    sol = solve(instance(pool, [panel(size=3)]))
    assert codes(sol) == ["employer_diversity"]
    assert dict(sol.unfilled[0].reasons[0].details)["reachable"] == 2
