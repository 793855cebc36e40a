"""Rule 1 (eligibility): pool, exclude, conflicts through employer or declared interest."""

from tests.solver.helpers import codes, expert, instance, members, panel, solve


def test_only_eligible_experts_are_drawn() -> None:
    # Every ineligible kind beside eligible ones of the same pool: whatever the seed, the lottery
    # holds only the eligible (E3 and E7 local, then the city's E6 and E8 for the second seat).
    pool = [
        expert("E1", pool="阿克塞县", employer="阿克塞县民宗局"),
        expert("E2", pool="阿克塞县", interests=["甘肃电投集团"]),
        expert("E3", pool="阿克塞县"),
        expert("E7", pool="阿克塞县"),
        expert("E4", pool="瓜州县"),
        expert("E5"),
        expert("E6"),
        expert("E8"),
    ]
    p = panel(
        pools=("阿克塞县", "city"), size=3, conflicts=["阿克塞县民宗局", "甘肃电投集团"], exclude=["E5"]
    )
    inst = instance(pool, [p])
    for seed in range(8):
        sol = solve(inst, seed=seed)
        assert sol.status == "optimal"
        lottery = sol.panels[0].lottery
        assert lottery is not None
        assert set(lottery.chances()) == {"E3", "E7", "E6", "E8"}
        assert {"E3", "E7"} < set(members(sol)) < {"E3", "E7", "E6", "E8"}


def test_all_sector_experts_avoided_is_a_sector_shortage_naming_the_organisation() -> None:
    pool = [
        expert("E1", pool="阿克塞县", employer="阿克塞县民宗局", sectors=("民族宗教",)),
        expert("E2", interests=["阿克塞县民宗局"], sectors=("民族宗教",)),
        *[expert(f"F{i}", sectors=("法律",)) for i in range(4)],
    ]
    p = panel(pools=("阿克塞县", "city"), size=3, seats={"民族宗教": 1}, conflicts=["阿克塞县民宗局"])
    sol = solve(instance(pool, [p]))
    assert sol.status == "infeasible"
    assert codes(sol) == ["sector_shortage"]
    reason = sol.unfilled[0].reasons[0]
    assert dict(reason.details) == {"sector": "民族宗教", "needed": 1, "eligible": 0}
    assert (
        reason.message
        == "阿克塞县和市级专家库共有民族宗教专家2名，均因与阿克塞县民宗局存在利害关系回避，评审组需要1名"
    )


def test_too_few_after_exclusion_is_a_size_shortage() -> None:
    pool = [expert("E1"), expert("E2"), expert("E3")]
    sol = solve(instance(pool, [panel(size=2, exclude=["E1", "E2"])]))
    assert codes(sol) == ["size_shortage"]
    assert "被协调员排除" in sol.unfilled[0].reasons[0].message
