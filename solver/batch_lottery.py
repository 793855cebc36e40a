"""Drawing a settled batch panel by panel, each by its own leximin lottery (SOLVER.md, batches).

The batch pass (:mod:`solver.panels`) settles objectives 1-3 and the times: which panels are
filled, the largest final load, each panel's members per pool rank and its start. The draw then
goes through the filled panels in order of start. When panel p is drawn, the other panels hold
their drawn sets (earlier ones) or their settled sets (later ones), and p's lottery is over the
sets at p's settled start that

- keep p's members per pool rank (objective 3 as settled);
- use only experts free then (busy times, and every other panel's meeting they sit on) whose
  final load stays within the batch's largest load and their own ``max_load``.

So every later settled set stays valid and the batch stays as good by objectives 1-3 after each
draw; p's settled set is always one of its sets. The drawn members then meet at the earliest start
of p's window at which they are all free (objective 5).
"""

from __future__ import annotations

import time

from solver.draw_proof import ticket_for
from solver.heuristics import Choice, State, free_at
from solver.instance import Lottery
from solver.leximin import Leximin
from solver.lottery import PanelFamily, build_family, drawn_members, lottery_of, rank_counts
from solver.panel_data import Prepared, overlaps


def draw_batch(
    prep: Prepared, state: State, seed: int, deadline: float | None
) -> tuple[dict[int, Lottery], list[Leximin]]:
    """Replace each settled choice of ``state`` by the set its lottery draws; the lotteries by panel."""
    cap = state.max_load()
    order = sorted(state.choice, key=lambda p: (state.choice[p].start, p))
    lotteries: dict[int, Lottery] = {}
    exact: list[Leximin] = []
    for p in order:
        pd = prep.panels[p]
        settled = state.release(pd)
        assert settled is not None
        start = settled.start
        k0 = pd.starts.index(start)
        cands = free_at(prep, pd, state, start, cap)  # free then, final load within cap and max_load
        pf = build_family(prep, pd, cands, [1 << k0] * len(cands), rank_counts(pd, settled.members))
        local = {e: i for i, e in enumerate(pf.experts)}
        lottery, lex = lottery_of(pf, prep, [[local[e] for e in settled.members]], deadline)
        lottery = Lottery(lottery.total, lottery.tickets, ticket_for(seed, pd.panel.id, lottery.total))
        members = drawn_members(pf, prep, lottery)
        state.commit(pd, _choice(prep, pf, members, pd, state, k0))
        lotteries[p] = lottery
        exact.append(lex)
    return lotteries, exact


def _choice(prep: Prepared, pf: PanelFamily, members: list[int], pd, state: State, k0: int) -> Choice:
    """The drawn set at the earliest start (up to the settled one) where all members are free."""
    experts = [pf.experts[i] for i in members]
    k = k0
    for j in range(k0):
        s, t = pd.starts[j], pd.starts[j] + pd.duration
        if all(prep.is_free(e, s, t) and not overlaps(state.taken[e], s, t) for e in experts):
            k = j
            break
    seat_of = pf.fam.seat_assignment(members) or {}
    seats = {
        name: [pf.experts[i] for i, j in seat_of.items() if j == n] for n, (name, _) in enumerate(pd.seats)
    }
    return Choice(pd.starts[k], experts, seats)


def time_left(deadline: float | None) -> float:
    return float("inf") if deadline is None else deadline - time.perf_counter()
