"""A known point of class counts written as a lottery over F, by column generation.

Used by :mod:`solver.marginals` when its greedy decomposition gets stuck: the target is known,
so one LP (minimise the gap between the mix of the sets found so far and the point) is priced
against by the pricing step of :mod:`solver.leximin` until the gap closes or no set helps.
"""

from __future__ import annotations

from collections.abc import Sequence

from ortools.linear_solver import pywraplp

from solver.pricing import Family


def fit(
    fam: Family, cls: list[list[int]], point: list[float], seeds: list[tuple[int, ...]]
) -> tuple[list[tuple[int, ...]], list[float]] | None:
    """``point`` as a convex combination of sets of F by column generation with the target known
    (one LP, not one per level): minimise the gap between the mix of the sets so far and the
    point; the duals price the next set (the pricing step of :mod:`solver.leximin`). None when a
    gap stays (the point is not a lottery over F) or the LP fails."""
    lp = pywraplp.Solver.CreateSolver("GLOP")
    inf = lp.infinity()
    one = lp.Constraint(1.0, 1.0)
    rows = [lp.Constraint(point[c], point[c]) for c in range(len(cls))]
    objective = lp.Objective()
    for row in rows:  # the gap on each class, either way
        for sign in (1.0, -1.0):
            v = lp.NumVar(0.0, inf, "")
            row.SetCoefficient(v, sign)
            objective.SetCoefficient(v, 1.0)
    objective.SetMinimization()
    where = {i: c for c, g in enumerate(cls) for i in g}
    columns: list[tuple[tuple[int, ...], pywraplp.Variable]] = []
    seen: set[tuple[int, ...]] = set()

    def add(members: Sequence[int]) -> bool:
        counts = [0] * len(cls)
        for i in members:
            counts[where[i]] += 1
        key = tuple(counts)
        if key in seen:
            return False
        seen.add(key)
        v = lp.NumVar(0.0, inf, "")
        one.SetCoefficient(v, 1.0)
        for c, k in enumerate(counts):
            if k:
                rows[c].SetCoefficient(v, float(k))
        columns.append((tuple(sorted(members)), v))
        return True

    for members in seeds:
        add(members)
    if not columns:  # the LP needs one set to start from
        first = fam.best([0.0 if i in where else -1e6 for i in range(fam.n)], threshold=-1.0)
        if first is None:
            return None
        add(first[1])
    for _ in range(4 * len(cls) + 20):
        if lp.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        if objective.Value() <= 1e-9:
            sets = [(m, v.solution_value()) for m, v in columns if v.solution_value() > 1e-12]
            if not all(fam.is_member_set(m) for m, _ in sets):
                return None
            total = sum(w for _, w in sets)
            return [m for m, _ in sets], [w / total for _, w in sets]
        # A set enters when its reduced cost 0 - (its class duals + the convexity dual) is negative.
        weights = [-1e6] * fam.n  # candidates in no class of P: in no set
        for c, g in enumerate(cls):
            for i in g:
                weights[i] = rows[c].dual_value()
        got = fam.best(weights, threshold=-one.dual_value() + 1e-9)
        if got is None or not add(got[1]):
            return None
    return None
