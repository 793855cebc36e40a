"""Rule 3 (seats): each seat sector gets its count; a member fills at most one seat."""

from tests.solver.helpers import codes, expert, experts, instance, panel, solve


def test_seats_are_filled_by_distinct_members_with_the_sector() -> None:
    pool = [
        expert("E1", sectors=("法律", "信访")),
        expert("E2", sectors=("信访",)),
        *experts(3, prefix="F", sectors=("经济",)),
    ]
    sol = solve(instance(pool, [panel(size=4, seats={"法律": 1, "信访": 1})]))
    seats = dict(sol.panels[0].seats)
    assert seats == {"法律": ("E1",), "信访": ("E2",)}


def test_one_expert_cannot_fill_two_seats() -> None:
    pool = [expert("E1", sectors=("法律", "信访")), *experts(3, prefix="F", sectors=("经济",))]
    sol = solve(instance(pool, [panel(size=3, seats={"法律": 1, "信访": 1})]))
    assert codes(sol) == ["sector_shortage"]
    assert dict(sol.unfilled[0].reasons[0].details)["needed"] == 2


def test_missing_sector_is_a_sector_shortage() -> None:
    sol = solve(instance(experts(5), [panel(size=3, seats={"舆情": 1})]))
    assert codes(sol) == ["sector_shortage"]
    assert sol.unfilled[0].reasons[0].message == "市级专家库中没有舆情专家，评审组需要1名"
