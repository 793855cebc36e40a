"""Leximin lotteries over a panel's member sets (Flanigan, Gölz, Gupta, Hennig, Procaccia, Nature 2021).

Column generation: the master is the LP "maximise the smallest chance z of the experts not yet
fixed, keeping every fixed expert at their fixed chance" over the member sets found so far (GLOP
through OR-Tools, kept between solves: a new column is one more variable, and re-solving from the
previous basis takes about 0.1 ms against 3 ms for building the LP again). Its duals weigh the
experts; the pricing step (:meth:`solver.pricing.Family.best`) returns the member set of largest
dual weight; a set heavier than the dual of "the chances add up to one" enters the master. When
none does, z is the best possible smallest chance: every expert with a positive dual is fixed at z
(in every optimal lottery they are at exactly z), and the next round raises the others.

Classes: candidates that are interchangeable in F (same rank, seat sectors, seniority and free
starts, and either employers nobody else among the candidates shares beyond ``cap`` or the same
employer) can swap places in any set, so the leximin lottery gives them equal chances. The
master has one row per class (the class's average chance), its duals weigh the class's members
equally, and the pricing step sees far fewer distinct weights.

At one start (every draw of a batch) :mod:`solver.marginals` answers first, by a few LPs over the
classes' marginals and a decomposition it checks; column generation decides when it cannot
(several starts, or the marginals' polytope is not F's hull there), seeded with the sets it found.

Support first: experts in no set of F get chance 0 and are left out; the others are found by
asking the pricing step for sets covering the most classes not yet covered.

Rounding ("Fair sortition made transparent", Flanigan, Kehne, Procaccia 2021): the exact
distribution becomes ``total`` whole tickets by largest remainders; each ticket's members of a
class are the next ones in that class's rotation, so members of a class hold tickets within one
of each other; then tickets move between sets that differ by one expert (``S - i + j`` in F)
from experts holding too many tickets to experts holding too few, until each expert's tickets
are within one of ``total`` times the exact chance, or no such move is left.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from solver.marginals import marginal_leximin
from solver.pricing import Deadline, Family

TOL = 1e-7


class NumericTrouble(Exception):
    """The master LP could not be solved to optimality: the lottery found so far is kept."""


@dataclass
class Leximin:
    """An exact leximin distribution over member sets (candidate indices), and its chances."""

    sets: list[tuple[int, ...]]
    weights: list[float]
    chances: dict[int, float]  # candidate -> exact leximin chance (support only)
    classes: list[list[int]]  # interchangeable candidates (support only)
    exact: bool  # False when the deadline cut the column generation short
    columns: int = 0
    rounds: int = 0
    method: str = "columns"  # "marginals" (solver.marginals), "columns", or "one open seat"


def classes(fam: Family) -> list[list[int]]:
    """Candidates that can swap places in every set of F, as lists (fixed candidates alone)."""
    per_emp: dict[int, int] = {}
    for i in range(fam.n):
        per_emp[fam.employer[i]] = per_emp.get(fam.employer[i], 0) + 1
    fixed = set(fam.fixed)
    groups: dict[tuple[object, ...], list[int]] = {}
    for i in range(fam.n):
        if i in fixed:
            groups[("fixed", i)] = [i]
            continue
        starts = tuple(k for k, p in enumerate(fam.patterns) if p >> i & 1)
        employer = fam.employer[i] if per_emp[fam.employer[i]] > fam.cap else -1
        key = (fam.rank[i], fam.sigma[i], fam.senior[i], starts, employer)
        groups.setdefault(key, []).append(i)
    return list(groups.values())


class _Master:
    """The restricted master LP over classes, kept between solves."""

    def __init__(self, groups: Sequence[Sequence[int]]) -> None:
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        self.z = self.lp.NumVar(0.0, 1.0, "z")  # a chance
        self.one = self.lp.Constraint(1.0, 1.0)
        self.groups = [list(g) for g in groups]
        self.class_of = {i: c for c, g in enumerate(self.groups) for i in g}
        self.row = []
        for _ in self.groups:
            row = self.lp.Constraint(0.0, self.lp.infinity())
            row.SetCoefficient(self.z, -1.0)
            self.row.append(row)
        objective = self.lp.Objective()
        objective.SetCoefficient(self.z, 1.0)
        objective.SetMaximization()
        self.cols: list[tuple[int, ...]] = []
        self.vars: list[pywraplp.Variable] = []
        self.keys: set[tuple[int, ...]] = set()

    def profile(self, members: Sequence[int]) -> tuple[int, ...]:
        """Members per class: sets with the same profile are rotations of each other."""
        counts = [0] * len(self.groups)
        for i in members:
            c = self.class_of.get(i)
            if c is not None:
                counts[c] += 1
        return tuple(counts)

    def add(self, members: Sequence[int]) -> bool:
        key = self.profile(members)
        if key in self.keys:
            return False
        self.keys.add(key)
        v = self.lp.NumVar(0.0, self.lp.infinity(), "")
        self.one.SetCoefficient(v, 1.0)
        for c, k in enumerate(key):
            if k:
                self.row[c].SetCoefficient(v, k / len(self.groups[c]))
        self.cols.append(tuple(sorted(members)))
        self.vars.append(v)
        return True

    def fix(self, c: int, value: float) -> None:
        """Class ``c`` keeps at least ``value``: its row no longer involves z."""
        row = self.row[c]
        row.SetCoefficient(self.z, 0.0)
        row.SetLb(max(0.0, value - TOL))

    def solve(self) -> tuple[float, list[float], float]:
        status = self.lp.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            # GLOP could not finish from its last basis (seen with presolve off, on seed 15 of the
            # city year): try once more; if even that fails the caller keeps what it has.
            status = self.lp.Solve()
            if status != pywraplp.Solver.OPTIMAL:
                raise NumericTrouble(f"leximin master LP not optimal (status {status})")
        # GLOP's duals are d(objective)/d(bound): the rows "chance >= z" have duals <= 0.
        duals = [max(0.0, -row.dual_value()) for row in self.row]
        return self.z.solution_value(), duals, self.one.dual_value()

    def weights(self, duals: Sequence[float], n: int) -> list[float]:
        """The pricing weight of each candidate: its class's dual shared among the class."""
        out = [0.0] * n
        for c, g in enumerate(self.groups):
            w = duals[c] / len(g)
            for i in g:
                out[i] = w
        return out

    def distribution(self) -> tuple[list[tuple[int, ...]], list[float]]:
        sets, weights = [], []
        for key, v in zip(self.cols, self.vars, strict=True):
            x = v.solution_value()
            if x > 1e-9:
                sets.append(key)
                weights.append(x)
        s = sum(weights)
        return sets, [w / s for w in weights]


def support(
    fam: Family, groups: list[list[int]], seeds: Sequence[Sequence[int]], deadline: float | None = None
) -> tuple[list[list[int]], list[tuple[int, ...]]]:
    """The classes in at least one set of F, and sets covering them all."""
    class_of = {i: c for c, g in enumerate(groups) for i in g}
    covered: set[int] = set()
    sets: list[tuple[int, ...]] = []
    for s in seeds:
        sets.append(tuple(sorted(s)))
        covered.update(class_of[i] for i in s)
    while len(covered) < len(groups):
        weights = [0.0 if class_of[i] in covered else 1.0 / len(groups[class_of[i]]) for i in range(fam.n)]
        got = fam.best(weights, threshold=1e-6, deadline=deadline)
        if got is None:
            break
        sets.append(tuple(got[1]))
        covered.update(class_of[i] for i in got[1])
    return [g for c, g in enumerate(groups) if c in covered], sets


def leximin(
    fam: Family, seeds: Sequence[Sequence[int]] = (), deadline: float | None = None
) -> Leximin | None:
    """The leximin distribution over F (None when F is empty)."""
    if not seeds:
        first = fam.best([0.0] * fam.n, threshold=-1.0, deadline=deadline)
        if first is None:
            return None
        seeds = [first[1]]
    if fam.size - len(fam.fixed) == 1:
        return _one_open(fam)
    groups = classes(fam)
    if deadline is not None and time.perf_counter() > deadline:
        # Out of time: the seed sets with equal weight, a valid lottery over F but not leximin.
        sets = sorted({tuple(sorted(s)) for s in seeds})
        chances: dict[int, float] = {}
        for s in sets:
            for i in s:
                chances[i] = chances.get(i, 0.0) + 1 / len(sets)
        return Leximin(sets, [1 / len(sets)] * len(sets), chances, [[i] for i in sorted(chances)], False)
    fast = marginal_leximin(fam, groups)
    if fast is not None and fast.exact:
        return Leximin(
            fast.sets,
            fast.weights,
            fast.chances,
            fast.classes,
            True,
            len(fast.sets),
            fast.rounds,
            "marginals",
        )
    if fast is not None:
        seeds = [*seeds, *fast.sets]
    seeds = [*seeds, *_greedy_columns(fam)]
    try:
        groups, sets = support(fam, groups, seeds, deadline)
    except Deadline:
        seen = {i for s in seeds for i in s}
        groups = [g for g in groups if any(i in seen for i in g)]
        sets = [tuple(sorted(s)) for s in seeds]
    master = _Master(groups)
    for s in sets:
        master.add(s)
    fixed = set(fam.fixed)
    value: dict[int, float] = {}
    for c, g in enumerate(groups):
        if g[0] in fixed:
            value[c] = 1.0
            master.fix(c, 1.0)
    open_ = [c for c in range(len(groups)) if c not in value]
    exact = True
    rounds = 0
    sets_: list[tuple[int, ...]] = []
    weights: list[float] = []
    while open_:
        rounds += 1
        try:
            z, duals = _column_generation(fam, master, deadline)
        except (Deadline, NumericTrouble):
            exact = False
            break
        # Read the lottery before the next round changes the LP (its solution is then gone).
        sets_, weights = master.distribution()
        positive = [c for c in open_ if duals[c] > TOL] or list(open_)
        for c in positive:
            value[c] = z
            master.fix(c, z)
        open_ = [c for c in open_ if c not in value]
    if not exact or not sets_:
        try:
            master.solve()
            sets_, weights = master.distribution()
        except NumericTrouble:
            if not sets_:  # not even one round solved: the seed sets, equally
                sets_ = sorted({tuple(sorted(s)) for s in sets})
                weights = [1 / len(sets_)] * len(sets_)
    chances = {i: 0.0 for g in groups for i in g}
    for c, g in enumerate(groups):  # exact chances: the class's average, shared equally
        share = sum(
            w * sum(1 for i in s if i in master.class_of and master.class_of[i] == c)
            for s, w in zip(sets_, weights, strict=True)
        ) / len(g)
        for i in g:
            chances[i] = share
    return Leximin(sets_, weights, chances, groups, exact, len(master.cols), rounds)


def _greedy_columns(fam: Family) -> list[list[int]]:
    """Cheap first columns: greedy sets, each favouring the candidates the earlier ones used least."""
    open_seats = fam.size - len(fam.fixed)
    rounds = min(24, max(4, -(-fam.n // max(open_seats, 1)) + 2))
    held = [0] * fam.n
    out: list[list[int]] = []
    for k in range(rounds):
        order = sorted(range(fam.n), key=lambda i: (held[i], (i * 7 + k * 13) % fam.n))
        got = fam.greedy(order, fam.patterns[k % len(fam.patterns)])
        if got is not None:
            out.append(got)
            for i in got:
                held[i] += 1
    return out


def _one_open(fam: Family) -> Leximin | None:
    """One seat open (a replacement draw): F is the fixed members plus any one candidate who keeps
    every rule, and the leximin lottery gives each of them the same chance. No LP needed."""
    sets = [
        tuple(sorted([*fam.fixed, i]))
        for i in range(fam.n)
        if i not in fam.fixed and fam.is_member_set([*fam.fixed, i])
    ]
    if not sets:
        return None
    w = 1 / len(sets)
    chances = {f: 1.0 for f in fam.fixed}
    chances.update({i: w for s in sets for i in s if i not in fam.fixed})
    groups = [[i] for i in sorted(chances)]
    return Leximin(sets, [w] * len(sets), chances, groups, True, len(sets), 1, "one open seat")


def _column_generation(fam: Family, master: _Master, deadline: float | None) -> tuple[float, list[float]]:
    while True:
        if deadline is not None and time.perf_counter() > deadline:
            raise Deadline
        z, duals, mu = master.solve()
        got = fam.best(master.weights(duals, fam.n), threshold=mu + 1e-6, deadline=deadline)
        if got is None or not master.add(got[1]):
            return z, duals


# --- rounding to whole tickets ----------------------------------------------------------------


def round_tickets(fam: Family, lex: Leximin, total: int, swaps: int = 4000) -> dict[tuple[int, ...], int]:
    """Whole tickets per set, adding up to ``total``, each expert within about one ticket of exact."""
    raw = [w * total for w in lex.weights]
    counts = [int(x) for x in raw]
    short = total - sum(counts)
    order = sorted(range(len(raw)), key=lambda k: -(raw[k] - counts[k]))
    for k in order[:short]:
        counts[k] += 1
    # Rotation: each ticket takes the next members of each class in turn.
    class_of = {i: c for c, g in enumerate(lex.classes) for i in g}
    pointer = [0] * len(lex.classes)
    tickets: dict[tuple[int, ...], int] = {}
    for s, n in zip(lex.sets, counts, strict=True):
        if not n:
            continue
        per: dict[int, int] = {}
        for i in s:
            per[class_of[i]] = per.get(class_of[i], 0) + 1
        # The tickets of one set repeat with the period after which every class's turn comes back.
        period = 1
        turns = []
        for c, k in per.items():
            g = lex.classes[c]
            m = len(g)
            period = math.lcm(period, m // math.gcd(m, k))
            cycle = g + g
            turns.append((cycle, m, k, pointer[c]))
            pointer[c] = (pointer[c] + n * k) % m
        reps, extra = divmod(n, period) if period < n else (0, n)
        for j in range(min(n, period)):
            members: list[int] = []
            for cycle, m, k, p0 in turns:
                p = (p0 + j * k) % m
                members += cycle[p : p + k]
            key = tuple(sorted(members))
            tickets[key] = tickets.get(key, 0) + reps + (1 if j < extra else 0)
    target = {i: p * total for i, p in lex.chances.items()}
    held = {i: 0 for i in target}
    for key, c in tickets.items():
        for i in key:
            held[i] += c
    _repair(fam, tickets, held, target, swaps)
    return tickets


def _repair(
    fam: Family,
    tickets: dict[tuple[int, ...], int],
    held: dict[int, int],
    target: dict[int, float],
    budget: int,
) -> None:
    """Move single tickets from S to S - i + j (in F) while i holds too many and j too few."""
    fixed = set(fam.fixed)
    while budget > 0:
        over = sorted((i for i in held if held[i] - target[i] > 1 - 1e-9), key=lambda i: target[i] - held[i])
        under = sorted((j for j in held if target[j] - held[j] > 1 - 1e-9), key=lambda j: held[j] - target[j])
        if not over or not under:
            return
        moved = False
        for i in over:
            if i in fixed:
                continue
            for j in under:
                for s in list(tickets):
                    budget -= 1
                    if i not in s or j in s:
                        continue
                    t = tuple(sorted([*(m for m in s if m != i), j]))
                    if not fam.is_member_set(t):
                        continue
                    tickets[s] -= 1
                    if not tickets[s]:
                        del tickets[s]
                    tickets[t] = tickets.get(t, 0) + 1
                    held[i] -= 1
                    held[j] += 1
                    moved = True
                    break
                if moved or budget <= 0:
                    break
            if moved or budget <= 0:
                break
        if not moved:
            return
