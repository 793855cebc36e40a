"""Rule 9 (load): load plus new panels stays within max_load."""

from tests.solver.helpers import codes, expert, experts, instance, members, panel, solve


def test_expert_at_max_load_is_not_drawn() -> None:
    pool = [expert("E1", load=3, max_load=3), *experts(2, prefix="F")]
    sol = solve(instance(pool, [panel(size=2)]))
    assert "E1" not in members(sol)


def test_max_load_spreads_panels() -> None:
    pool = [expert(f"E{i}", load=0, max_load=1) for i in range(4)]
    days = [[f"2026-03-0{d}T08:30", f"2026-03-0{d}T18:00"] for d in (2, 3)]
    sol = solve(instance(pool, [panel("P1", size=2, window=days[0]), panel("P2", size=2, window=days[1])]))
    assert not set(members(sol, "P1")) & set(members(sol, "P2"))


def test_experts_used_up_by_load_is_capacity() -> None:
    pool = [expert("E1", load=2, max_load=2), *experts(1, prefix="F")]
    sol = solve(instance(pool, [panel(size=2)]))
    assert codes(sol) == ["capacity"]
    assert dict(sol.unfilled[0].reasons[0].details)["at_max_load"] == 1


def test_experts_taken_by_another_panel_is_capacity() -> None:
    one_block = ["2026-03-02T08:30", "2026-03-02T12:00"]
    sol = solve(
        instance(
            experts(3),
            [
                panel("P1", size=2, window=one_block, duration=180),
                panel("P2", size=2, window=one_block, duration=180),
            ],
        )
    )
    assert sol.status == "partial"
    unfilled = sol.unfilled[0].id
    assert codes(sol, unfilled) == ["capacity"]
