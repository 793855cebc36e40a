"""The lottery's published rules: the ticket from the seed, the canonical order, chances as ticket shares."""

from __future__ import annotations

import hashlib

from solver.draw_proof import MIN_TOTAL, canonical_tickets, set_for_ticket, ticket_for
from solver.lottery import draw, panel_lottery, place
from tests.solver.helpers import expert, experts, instance, members, panel, solve


def _lottery(inst, panel_id="P1"):
    got = panel_lottery(inst, panel_id)
    assert hasattr(got, "tickets"), got
    return got


def test_ticket_is_the_sha256_rule_recomputed_by_hand() -> None:
    inst = instance(experts(12), [panel(size=3)])
    for seed in (0, 1, 20260302, 2**31 - 1):
        sol = solve(inst, seed=seed)
        lottery = sol.panels[0].lottery
        assert lottery is not None
        by_hand = int(hashlib.sha256(f"{seed}:P1".encode()).hexdigest(), 16) % lottery.total
        assert lottery.ticket == by_hand == ticket_for(seed, "P1", lottery.total)


def test_members_are_the_set_holding_the_ticket() -> None:
    inst = instance(experts(12), [panel(size=3)])
    for seed in range(15):
        sol = solve(inst, seed=seed)
        lottery = sol.panels[0].lottery
        assert lottery is not None and lottery.ticket is not None
        holder = set_for_ticket(lottery.tickets_json(), lottery.ticket)
        assert holder == list(members(sol)) == list(lottery.drawn(lottery.ticket))


def test_tickets_are_in_canonical_order_and_add_up() -> None:
    pool = [*experts(6, prefix="E"), *experts(4, prefix="R", sectors=("宗教",))]
    lottery = _lottery(instance(pool, [panel(size=4, seats={"宗教": 1})]))
    as_json = lottery.tickets_json()
    assert as_json == canonical_tickets(as_json)
    assert all(t["experts"] == sorted(t["experts"]) for t in as_json)
    assert len({tuple(t["experts"]) for t in as_json}) == len(as_json)
    assert sum(t["count"] for t in as_json) == lottery.total >= MIN_TOTAL
    assert all(t["count"] >= 1 for t in as_json)


def test_chances_are_ticket_shares_adding_up_to_the_size() -> None:
    pool = [*experts(7, prefix="E"), *experts(2, prefix="R", sectors=("宗教",)), expert("S", senior=False)]
    lottery = _lottery(instance(pool, [panel(size=4, seats={"宗教": 1}, min_senior=1)]))
    held: dict[str, int] = {}
    for ids, count in lottery.tickets:
        for e in ids:
            held[e] = held.get(e, 0) + count
    assert lottery.chances() == {e: round(n / lottery.total, 4) for e, n in sorted(held.items())}
    assert abs(sum(lottery.chances().values()) - 4) <= 0.0001 * len(held)


def test_draw_and_place_agree_with_the_batch_solve() -> None:
    pool = [*experts(8), *experts(3, prefix="R", sectors=("宗教",))]
    inst = instance(pool, [panel(size=4, seats={"宗教": 1})])
    lottery = _lottery(inst)
    for seed in range(5):
        drawn = draw(lottery, seed, "P1")
        assert drawn.ticket is not None
        placed = place(inst, "P1", drawn.drawn(drawn.ticket))
        sol = solve(inst, seed=seed)
        assert placed is not None and placed.experts == sol.panels[0].experts
        assert placed.start == sol.panels[0].start and placed.seats == sol.panels[0].seats


def test_place_refuses_a_set_that_breaks_a_rule() -> None:
    pool = [*experts(4), expert("B", busy=[["2026-03-02T08:30", "2026-03-06T18:00"]])]
    inst = instance(pool, [panel(size=2, fixed=["E01"])])
    assert place(inst, "P1", ["E01", "E02"]) is not None
    assert place(inst, "P1", ["E01", "B"]) is None  # never free in the window
    assert place(inst, "P1", ["E02", "E03"]) is None  # the fixed expert is missing
    assert place(inst, "P1", ["E01", "E01"]) is None
    assert place(inst, "P1", ["E01", "NOBODY"]) is None
