"""Reasons for unfilled panels: contract codes, numbers, and Chinese messages naming pools."""

from solver.explain import pools_label
from tests.solver.helpers import codes, expert, experts, instance, panel, solve


def test_pool_labels() -> None:
    assert pools_label(["city"]) == "市级专家库"
    assert pools_label(["阿克塞县"]) == "阿克塞县专家库"
    assert pools_label(["阿克塞县", "city"]) == "阿克塞县和市级专家库"


def test_partly_avoided_sector_gives_the_counts() -> None:
    pool = [
        expert("E1", pool="敦煌市", sectors=("交通",), employer="敦煌市交通运输局"),
        expert("E2", pool="敦煌市", sectors=("交通",)),
        *experts(4, prefix="F"),
    ]
    p = panel(pools=("敦煌市", "city"), size=4, seats={"交通": 2}, conflicts=["敦煌市交通运输局"])
    sol = solve(instance(pool, [p]))
    reason = sol.unfilled[0].reasons[0]
    assert reason.code == "sector_shortage"
    assert reason.message == (
        "敦煌市和市级专家库共有交通专家2名，其中1名因与敦煌市交通运输局存在利害关系回避，可用1名，评审组需要2名"
    )


def test_several_shortages_are_all_listed() -> None:
    pool = experts(2, senior=False)
    sol = solve(instance(pool, [panel(size=3, seats={"舆情": 1}, min_senior=1)]))
    assert codes(sol) == ["size_shortage", "sector_shortage", "senior_shortage"]


def test_reasons_serialise_with_their_numbers() -> None:
    sol = solve(instance(experts(2), [panel(size=3)]))
    out = sol.unfilled[0].reasons[0].to_json()
    assert out["code"] == "size_shortage" and out["needed"] == 3 and out["eligible"] == 2
    assert out["message"]


def test_filled_panels_still_come_back_when_one_fails() -> None:
    panels = [panel("P1", size=2), panel("P2", size=2, seats={"舆情": 1})]
    sol = solve(instance(experts(4), panels))
    assert sol.status == "partial"
    assert [a.id for a in sol.panels] == ["P1"]
    assert codes(sol, "P2") == ["sector_shortage"]


def test_seats_that_must_go_to_seniors_name_the_missing_senior_specialists() -> None:
    # Three seniors and one 舆情 expert, but all three members must be senior and one must hold 舆情.
    pool = [*experts(3, prefix="S", senior=True), expert("Y1", sectors=("舆情",), senior=False)]
    sol = solve(instance(pool, [panel(size=3, min_senior=3, seats={"舆情": 1})]))
    [reason] = sol.unfilled[0].reasons
    assert reason.code == "senior_shortage"
    assert dict(reason.details)["needed"] == 1 and dict(reason.details)["eligible"] == 0
    assert reason.message == (
        "评审组3人中须有3名高级职称、1个领域席位，至少1个席位须由高级职称专家担任，"
        "而市级专家库的舆情专家中具有高级职称的只有0名"
    )


def test_when_the_free_experts_share_an_employer_the_time_reason_says_so() -> None:
    # Enough experts from enough employers in all, but at the only time the free ones all work
    # for the same employer.
    morning = ["2026-03-02T08:30", "2026-03-02T12:00"]
    busy = [["2026-03-02T08:30", "2026-03-02T12:00"]]
    pool = [expert(f"A{i}", employer="同一单位") for i in range(3)] + [
        expert("B", busy=busy),
        expert("C", busy=busy),
    ]
    sol = solve(instance(pool, [panel(size=3, window=morning, duration=210)]))
    [reason] = sol.unfilled[0].reasons
    assert reason.code == "no_common_slot"
    assert "每个单位至多1名，按单位计只能凑出1名，评审组需要3名" in reason.message
