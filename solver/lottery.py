"""The draw (随机抽取) as a lottery with published chances (SOLVER.md).

The interface the app and the CLI use:

- :func:`panel_lottery`: the whole-ticket lottery of one panel of an instance, fixed before any
  randomness is known (the app commits to it);
- :func:`place`: when and in which seats a drawn member set meets (the earliest start at which
  every hard rule holds), or None when the set now breaks a rule;
- :func:`draw`: the ticket of a seed and the set that holds it.

PLACEHOLDER (interface only): ``panel_lottery`` below gathers a few distinct optimal sets with
equal tickets. It is replaced by the leximin column generation; the signatures stay.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from solver.draw_proof import MIN_TOTAL, ticket_for
from solver.instance import Lottery, PanelAssignment, PanelInstance, Unfilled


def panel_lottery(
    instance: PanelInstance, panel_id: str, *, time_limit: float | None = None
) -> Lottery | Unfilled:
    """The lottery over the member sets of ``panel_id`` that keep every hard rule and are best by
    objectives 1-3; an :class:`Unfilled` with reasons when there is no such set."""
    from solver.panels import solve_panels

    panel = next(p for p in instance.panels if p.id == panel_id)
    one = dataclasses.replace(instance, panels=(panel,))
    sets: set[tuple[str, ...]] = set()
    for seed in range(8):
        sol = solve_panels(one, seed=seed, time_limit=time_limit)
        if sol.unfilled:
            return sol.unfilled[0]
        sets.add(tuple(sorted(sol.panels[0].experts)))
    ordered = sorted(sets, key=list)
    base, extra = divmod(MIN_TOTAL, len(ordered))
    tickets = tuple((s, base + (1 if i < extra else 0)) for i, s in enumerate(ordered))
    return Lottery(total=MIN_TOTAL, tickets=tickets)


def draw(lottery: Lottery, seed: int, panel_id: str) -> Lottery:
    """The lottery with its drawn ticket (``lottery.drawn(ticket)`` is the drawn set)."""
    return dataclasses.replace(lottery, ticket=ticket_for(seed, panel_id, lottery.total))


def place(instance: PanelInstance, panel_id: str, experts: Sequence[str]) -> PanelAssignment | None:
    """The drawn set at the earliest start where it keeps every hard rule, with its seats; None if none."""
    from solver.instance import InstanceError, ineligibility
    from solver.panels import solve_panels

    panel = next(p for p in instance.panels if p.id == panel_id)
    by_id = instance.experts_by_id
    if len(set(experts)) != panel.size or any(e not in by_id for e in experts):
        return None
    if any(ineligibility(by_id[e], panel) for e in experts):
        return None
    fixed = dataclasses.replace(panel, fixed=tuple(experts))
    one = dataclasses.replace(instance, panels=(fixed,))
    try:
        sol = solve_panels(one, seed=0)
    except InstanceError:
        return None
    if sol.unfilled:
        return None
    return sol.panels[0]
