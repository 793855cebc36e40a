"""Rule 8 (availability): busy times and no expert on two overlapping panels."""

from tests.solver.helpers import MONDAY_MORNING, codes, experts, instance, members, panel, solve


def test_busy_experts_are_met_when_free() -> None:
    pool = experts(3)
    for e in pool:
        e["busy"] = [MONDAY_MORNING]
    sol = solve(instance(pool, [panel(size=3)]))
    assert sol.panels[0].start.isoformat() == "2026-03-02T14:30:00+08:00"


def test_overlapping_panels_share_nobody() -> None:
    one_block = MONDAY_MORNING
    sol = solve(
        instance(
            experts(6),
            [
                panel("P1", size=3, window=one_block, duration=180),
                panel("P2", size=3, window=one_block, duration=180),
            ],
        )
    )
    assert sol.status == "optimal"
    assert not set(members(sol, "P1")) & set(members(sol, "P2"))


def test_nobody_free_together_is_no_common_slot() -> None:
    pool = experts(3)
    pool[0]["busy"] = [["2026-03-02T08:30", "2026-03-04T18:00"]]
    pool[1]["busy"] = [["2026-03-04T08:30", "2026-03-06T18:00"]]
    sol = solve(instance(pool, [panel(size=3)]))
    assert codes(sol) == ["no_common_slot"]
    assert dict(sol.unfilled[0].reasons[0].details)["max_free"] == 2
