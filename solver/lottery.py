"""The draw (随机抽取) as a lottery with published chances (SOLVER.md).

The interface the app and the CLI use:

- :func:`panel_lottery`: the whole-ticket leximin lottery of one panel of an instance, fixed
  before any randomness is known (the app commits to it);
- :func:`draw`: the ticket of a seed and the set that holds it;
- :func:`place`: when and in which seats a drawn member set meets (the earliest start at which
  every hard rule holds), or None when the set now breaks a rule.

F, the member sets a panel's lottery is over, keep every hard rule at some start of the window
and are best by objectives 1-3: filled; the largest final load as small as possible; as many
members from the first pool as possible, then the second, ... (one count per pool rank). The
lottery over F is leximin (:mod:`solver.leximin`), rounded to ``MIN_TOTAL`` whole tickets.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

from solver.draw_proof import MIN_TOTAL, ticket_for
from solver.instance import Lottery, PanelAssignment, PanelInstance, Unfilled
from solver.leximin import Leximin, leximin, round_tickets
from solver.panel_data import PanelData, Prepared, end_time
from solver.pricing import Deadline, Family

DEFAULT_TIME_LIMIT = 10.0


@dataclasses.dataclass
class PanelFamily:
    """A panel's family F with the map from its candidates to the instance's experts."""

    fam: Family
    experts: list[int]  # candidate -> expert index in the Prepared instance
    masks: list[int]  # candidate -> bit k set when free at the panel's k-th start


def panel_lottery(
    instance: PanelInstance, panel_id: str, *, time_limit: float | None = None
) -> Lottery | Unfilled:
    """The lottery over the member sets of ``panel_id`` that keep every hard rule and are best by
    objectives 1-3; an :class:`Unfilled` with reasons when there is no such set."""
    started = time.perf_counter()
    deadline = started + (DEFAULT_TIME_LIMIT if time_limit is None else time_limit)
    panel = next(p for p in instance.panels if p.id == panel_id)
    one = dataclasses.replace(instance, panels=(panel,))
    prep = Prepared(one, 0)
    lottery, _, _ = single_panel(prep, prep.panels[0], deadline)
    if lottery is None:
        from solver.explain import explain_unfilled

        reasons = explain_unfilled(one, [], [panel.id], prep=prep)
        return Unfilled(panel.id, reasons[panel.id])
    return lottery


def draw(lottery: Lottery, seed: int, panel_id: str) -> Lottery:
    """The lottery with its drawn ticket (``lottery.drawn(ticket)`` is the drawn set)."""
    return dataclasses.replace(lottery, ticket=ticket_for(seed, panel_id, lottery.total))


def place(instance: PanelInstance, panel_id: str, experts: Sequence[str]) -> PanelAssignment | None:
    """The drawn set at the earliest start where it keeps every hard rule, with its seats; None if none."""
    panel = next(p for p in instance.panels if p.id == panel_id)
    one = dataclasses.replace(instance, panels=(panel,))
    prep = Prepared(one, 0)
    pd = prep.panels[0]
    if len(set(experts)) != len(experts) or any(e not in prep.index for e in experts):
        return None
    members = [prep.index[e] for e in experts]
    eligible = set(pd.eligible)
    if any(m not in eligible or prep.experts[m].load >= prep.max_load[m] for m in members):
        return None
    pf = build_family(prep, pd, members, [prep.available_mask(pd, m) for m in members], None)
    local = list(range(len(members)))
    if not pf.fam.is_member_set(local):
        return None
    return assignment(prep, pd, pf, local, None)


# --- building F ----------------------------------------------------------------------------


def build_family(
    prep: Prepared, pd: PanelData, cands: list[int], masks: list[int], quotas: tuple[int, ...] | None
) -> PanelFamily:
    """F over the candidates ``cands`` (expert indices) free at the starts of their ``masks``.

    With ``quotas``, candidates of a pool rank that gets no member are in no set: left out.
    """
    if quotas is not None:
        keep = [i for i, e in enumerate(cands) if quotas[pd.rank[e]] > 0]
        cands, masks = [cands[i] for i in keep], [masks[i] for i in keep]
    seats = [k for k, _ in pd.seats]
    local = {e: i for i, e in enumerate(cands)}
    employers: dict[str, int] = {}
    by_start: dict[int, int] = {}
    for i, m in enumerate(masks):
        while m:
            low = m & -m
            by_start[low] = by_start.get(low, 0) | (1 << i)
            m ^= low
    fam = Family(
        size=pd.size,
        seat_counts=tuple(n for _, n in pd.seats),
        min_senior=pd.panel.min_senior,
        cap=prep.instance.rules.max_same_employer,
        rank=[pd.rank[e] for e in cands],
        sigma=[sum(1 << k for k, s in enumerate(seats) if s in prep.sectors[e]) for e in cands],
        senior=[prep.senior[e] for e in cands],
        employer=[employers.setdefault(prep.employer[e], len(employers)) for e in cands],
        fixed=[local[f] for f in pd.fixed if f in local],
        patterns=list(by_start.values()),
        quotas=quotas,
    )
    if any(f not in local for f in pd.fixed):
        fam.patterns = []
    return PanelFamily(fam, cands, masks)


def rank_counts(pd: PanelData, members: Sequence[int]) -> tuple[int, ...]:
    counts = [0] * len(pd.panel.pools)
    for e in members:
        counts[pd.rank[e]] += 1
    return tuple(counts)


def settle_single(
    prep: Prepared, pd: PanelData, deadline: float | None
) -> tuple[PanelFamily, list[int]] | None:
    """Objectives 1-3 for one panel alone: its family F and one set of F (None when unfillable)."""
    load = [e.load for e in prep.experts]
    floor = max(load, default=0)
    fixed = set(pd.fixed)
    cands = [e for e in pd.eligible if load[e] < prep.max_load[e] or e in fixed]
    if any(load[f] >= prep.max_load[f] for f in fixed):
        return None
    masks = {e: prep.available_mask(pd, e) for e in cands}
    cands = [e for e in cands if masks[e]]
    # Objective 2: the least cap on final loads (at least today's largest load) that fills the panel.
    caps = sorted({floor, *(load[e] + 1 for e in cands if load[e] + 1 > floor)})
    for cap in caps:
        under = [e for e in cands if load[e] + 1 <= cap]
        if len(under) < pd.size:
            continue
        pf = build_family(prep, pd, under, [masks[e] for e in under], None)
        # Objective 3: the most members from the first pool, then the second, ... (one weight per rank).
        base = pd.size + 1
        n_pools = len(pd.panel.pools)
        weights = [float(base ** (n_pools - 1 - pf.fam.rank[i])) for i in range(pf.fam.n)]
        got = pf.fam.best(weights, threshold=-1.0, deadline=deadline)
        if got is None:
            continue
        chosen = [under[i] for i in got[1]]
        pf = build_family(prep, pd, under, [masks[e] for e in under], rank_counts(pd, chosen))
        local = {e: i for i, e in enumerate(pf.experts)}
        return pf, [local[e] for e in chosen]
    return None


def lottery_of(
    pf: PanelFamily, prep: Prepared, seeds: Sequence[Sequence[int]], deadline: float | None
) -> tuple[Lottery, Leximin]:
    """The leximin lottery of F in whole tickets, with expert ids, in the contract's order."""
    lex = leximin(pf.fam, seeds, deadline)
    if lex is None:  # pragma: no cover - callers pass a set of F as a seed
        raise ValueError("empty family")
    tickets = round_tickets(pf.fam, lex, MIN_TOTAL)
    named = sorted(
        (tuple(sorted(prep.experts[pf.experts[i]].id for i in s)), c) for s, c in tickets.items() if c > 0
    )
    return Lottery(total=MIN_TOTAL, tickets=tuple(named)), lex


def single_panel(
    prep: Prepared, pd: PanelData, deadline: float | None
) -> tuple[Lottery | None, PanelFamily | None, Leximin | None]:
    """One panel alone: its lottery over F (None when F is empty)."""
    try:
        settled = settle_single(prep, pd, deadline)
    except Deadline:
        settled = None
    if settled is None:
        return None, None, None
    pf, seed_set = settled
    lottery, lex = lottery_of(pf, prep, [seed_set], deadline)
    return lottery, pf, lex


def assignment(
    prep: Prepared, pd: PanelData, pf: PanelFamily, members: Sequence[int], lottery: Lottery | None
) -> PanelAssignment:
    """A set of F at its earliest common start, with its seats."""
    common = (1 << len(pd.starts)) - 1
    for i in members:
        common &= pf.masks[i]
    k = (common & -common).bit_length() - 1
    start = prep.start_time[pd.starts[k]]
    seat_of = pf.fam.seat_assignment(list(members)) or {}
    names = [k_ for k_, _ in pd.seats]
    return PanelAssignment(
        id=pd.panel.id,
        experts=tuple(sorted(prep.experts[pf.experts[i]].id for i in members)),
        seats=tuple(
            (name, tuple(sorted(prep.experts[pf.experts[i]].id for i, s in seat_of.items() if s == j)))
            for j, name in enumerate(names)
        ),
        start=start,
        end=end_time(start, pd.duration),
        lottery=lottery,
    )


def drawn_members(pf: PanelFamily, prep: Prepared, lottery: Lottery) -> list[int]:
    """The candidates of the set holding ``lottery.ticket``."""
    assert lottery.ticket is not None
    ids = set(lottery.drawn(lottery.ticket))
    return [i for i, e in enumerate(pf.experts) if prep.experts[e].id in ids]
