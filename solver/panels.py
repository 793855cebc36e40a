"""Expert panels (评审组): draw every panel of a batch under the hard rules 1-9 of SOLVER.md.

The solve runs in three layers:

1. data: :class:`solver.panel_data.Prepared` turns the instance into integers (starts,
   eligible experts, busy times);
2. a greedy batch pass (:mod:`solver.heuristics`) under a load cap that starts at a cheap
   lower bound on objective 2; a panel it cannot fill is repaired by a CP-SAT model of the
   panel and its neighbours in time, and only then is the cap raised;
3. for small instances one CP-SAT model of the whole batch, warm-started from the greedy
   result, solved objective by objective in the contract's order (lexicographic stages).

:func:`solve_subset` is that model, in the order data → variables → rules → objective → solve.
"""

from __future__ import annotations

import secrets
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.batch_lottery import draw_batch
from solver.calendar import WorkCalendar
from solver.explain import explain_unfilled
from solver.heuristics import Choice, State, best_choice, improve
from solver.instance import Lottery, PanelAssignment, PanelInstance, PanelSolution, Unfilled
from solver.lottery import assignment, draw, drawn_members, single_panel
from solver.panel_data import PanelData, Prepared, end_time

DEFAULT_TIME_LIMIT = 10.0
# Whole-batch CP-SAT model only up to this many (panel, eligible expert) pairs.
EXACT_MAX_PAIRS = 1500
EXACT_MAX_PANELS = 8
# Panels re-solved together with one the greedy pass could not fill.
REPAIR_NEIGHBOURS = 10
REPAIR_SECONDS = 2.0
IMPROVE_SHARE = 1.5

# One worker: an optimum proved by one worker is the same run after run (replayable draws).
WORKERS = 1
STAGES = ("fill", "load", "local", "early")


def solve_panels(
    instance: PanelInstance, *, time_limit: float | None = None, seed: int | None = None
) -> PanelSolution:
    """Draw every panel of ``instance``; unfilled panels come back with their reasons."""
    started = time.perf_counter()
    if seed is None:
        seed = instance.rules.seed if instance.rules.seed is not None else secrets.randbits(31)
    limit = DEFAULT_TIME_LIMIT if time_limit is None else time_limit
    deadline = started + limit
    calendar = WorkCalendar(instance.calendar, instance.timezone)
    prep = Prepared(instance, seed, calendar)

    if len(prep.panels) == 1:
        return _solve_single(instance, prep, calendar, seed, started, deadline)

    state, cap = greedy_batch(prep, deadline)
    proven = False
    method = "greedy"
    if is_small(prep) and time.perf_counter() < deadline:
        result = solve_subset(prep, State(prep), list(range(len(prep.panels))), deadline=deadline, hint=state)
        if result is not None and len(result.choices) >= len(state.choice):
            state = State(prep)
            for p, choice in result.choices.items():
                state.commit(prep.panels[p], choice)
            proven = result.proven
            method = "cp-sat"
    if method == "greedy":
        # Polishing (local first, lower loads) gets as long as the batch pass took, at most.
        polish = min(deadline, time.perf_counter() + IMPROVE_SHARE * (time.perf_counter() - started))
        improve(prep, state, max(cap, state.max_load()), polish)

    # The draw: each filled panel by its own lottery, in order of start (solver.batch_lottery).
    settled_at = time.perf_counter()
    lotteries, leximins = draw_batch(prep, state, seed, deadline)
    proven = proven and all(lex.exact for lex in leximins)

    unfilled_ids = [pd.panel.id for pd in prep.panels if pd.index not in state.choice]
    assignments = tuple(
        to_assignment(prep, prep.panels[p], c, lotteries.get(p)) for p, c in sorted(state.choice.items())
    )
    reasons = explain_unfilled(instance, assignments, unfilled_ids, prep=prep) if unfilled_ids else {}
    if not prep.panels:
        status = "optimal"
    elif not state.choice:
        status = "infeasible"
    elif unfilled_ids:
        status = "partial"
    else:
        status = "optimal" if proven else "feasible"
    stats = (
        ("solve_seconds", round(time.perf_counter() - started, 3)),
        ("max_load", state.max_load()),
        ("filled", len(state.choice)),
        ("method", method),
        ("lottery_seconds", round(time.perf_counter() - settled_at, 3)),
        # Lotteries by route (solver.marginals or column generation), and those a deadline cut short.
        ("lotteries_by_marginals", sum(1 for lex in leximins if lex.method == "marginals")),
        ("lotteries_not_leximin", sum(1 for lex in leximins if not lex.exact)),
    )
    return PanelSolution(
        status=status,
        seed=seed,
        panels=assignments,
        unfilled=tuple(Unfilled(pid, tuple(reasons.get(pid, ()))) for pid in unfilled_ids),
        stats=stats,
        warnings=tuple(calendar.warnings()),
    )


def _solve_single(
    instance: PanelInstance,
    prep: Prepared,
    calendar: WorkCalendar,
    seed: int,
    started: float,
    deadline: float,
) -> PanelSolution:
    """One panel: its lottery over F (any start of the window), the ticket, the drawn set placed."""
    pd = prep.panels[0]
    lottery, pf, lex = single_panel(prep, pd, deadline)
    panels: tuple[PanelAssignment, ...] = ()
    unfilled: tuple[Unfilled, ...] = ()
    if lottery is None or pf is None or lex is None:
        reasons = explain_unfilled(instance, [], [pd.panel.id], prep=prep)
        unfilled = (Unfilled(pd.panel.id, tuple(reasons[pd.panel.id])),)
        status = "infeasible"
    else:
        lottery = draw(lottery, seed, pd.panel.id)
        panels = (assignment(prep, pd, pf, drawn_members(pf, prep, lottery), lottery),)
        status = "optimal" if lex.exact else "feasible"
    load = [e.load for e in prep.experts]
    for a in panels:
        for eid in a.experts:
            load[prep.index[eid]] += 1
    stats = (
        ("solve_seconds", round(time.perf_counter() - started, 3)),
        ("max_load", max(load, default=0)),
        ("filled", len(panels)),
        ("method", "lottery"),
    )
    return PanelSolution(status, seed, panels, unfilled, stats, tuple(calendar.warnings()))


def to_assignment(
    prep: Prepared, pd: PanelData, choice: Choice, lottery: Lottery | None = None
) -> PanelAssignment:
    """A choice in the contract's terms: expert ids, seats by sector, aware start and end."""
    ids = [prep.experts[e].id for e in choice.members]
    start = prep.start_time[choice.start]
    return PanelAssignment(
        id=pd.panel.id,
        experts=tuple(sorted(ids)),
        seats=tuple(
            (k, tuple(sorted(prep.experts[e].id for e in choice.seats.get(k, [])))) for k, _ in pd.seats
        ),
        start=start,
        end=end_time(start, pd.duration),
        lottery=lottery,
    )


def is_small(prep: Prepared) -> bool:
    """Small enough for one whole-batch model (a single draw, a redraw, a week's panels)."""
    pairs = sum(len(pd.eligible) for pd in prep.panels)
    return len(prep.panels) <= EXACT_MAX_PANELS and pairs <= EXACT_MAX_PAIRS


# --- the batch pass ------------------------------------------------------------------------


def window_order(prep: Prepared) -> list[int]:
    """Panels by window start, then window end: the order coordinators plan a year in."""
    return sorted(range(len(prep.panels)), key=lambda p: (prep.panels[p].panel.window, p))


def greedy_batch(prep: Prepared, deadline: float) -> tuple[State, int]:
    """Greedy pass under a load cap; repair what it cannot fill, then raise the cap if needed."""
    state = State(prep)
    cap = load_lower_bound(prep)
    no_cap = max(prep.max_load, default=0) + 1
    top_cap = max((min(m, 1 << 20) for m in prep.max_load), default=0)
    for p in window_order(prep):
        # Past the deadline only the cheap greedy step runs (no repairs, no raised caps).
        late = time.perf_counter() > deadline
        pd = prep.panels[p]
        if not pd.starts or len(pd.eligible) < pd.size:
            continue
        choice = best_choice(prep, pd, state, cap)
        if choice is not None:
            state.commit(pd, choice)
            continue
        if late or not loads_allow(prep, pd, state, no_cap):
            continue  # the experts it needs are at their max_load: no re-draw can help
        if repair(prep, state, p, cap, deadline):
            continue
        if cap >= top_cap:
            continue
        if best_choice(prep, pd, state, no_cap) is None:
            # Not even without a cap at this start of the batch: only a repair can fill it, and
            # the cap becomes whatever load that repair needed.
            if repair(prep, state, p, no_cap, deadline):
                cap = max(cap, state.max_load())
            continue
        # Filling beats a lower maximum load: raise the cap just as far as this panel needs. Only
        # caps one above some eligible expert's load can change anything (at most one per expert).
        for c in sorted({state.load[e] + 1 for e in pd.eligible if state.load[e] + 1 > cap}):
            if time.perf_counter() > deadline:
                break
            choice = best_choice(prep, pd, state, c)
            if choice is not None:
                state.commit(pd, choice)
                cap = c
                break
            if repair(prep, state, p, c, deadline, seconds=0.5):
                cap = c
                break
    return state, cap


def loads_allow(prep: Prepared, pd: PanelData, state: State, cap: int) -> bool:
    """Necessary condition under loads alone: enough experts below the cap, per seat sector too."""
    room = [e for e in pd.eligible if state.load[e] < min(cap, prep.max_load[e])]
    if len(room) < pd.size or any(state.load[f] >= prep.max_load[f] for f in pd.fixed):
        return False
    return all(sum(1 for e in room if k in prep.sectors[e]) >= n for k, n in pd.seats)


def neighbours(prep: Prepared, state: State, p: int, limit: int) -> list[int]:
    """Filled panels whose windows overlap ``p``'s and that share eligible experts with it."""
    pd = prep.panels[p]
    w0, w1 = pd.panel.window
    mine = set(pd.eligible)
    found = []
    for q, choice in state.choice.items():
        other = prep.panels[q]
        if other.panel.window[0] < w1 and w0 < other.panel.window[1]:
            shared = sum(1 for e in choice.members if e in mine)
            if shared:
                found.append((-shared, abs(choice.start - minutes_of(pd)), q))
    found.sort()
    return [q for _, _, q in found[:limit]]


def minutes_of(pd: PanelData) -> int:
    return pd.starts[0] if pd.starts else 0


def repair(
    prep: Prepared, state: State, p: int, cap: int, deadline: float, seconds: float = REPAIR_SECONDS
) -> bool:
    """Re-draw ``p`` together with its neighbours in one model; keep the result only if all fill."""
    if time.perf_counter() > deadline:
        return False
    group = [p, *neighbours(prep, state, p, REPAIR_NEIGHBOURS)]
    saved = {q: state.release(prep.panels[q]) for q in group[1:]}
    local_deadline = min(deadline, time.perf_counter() + seconds)
    result = solve_subset(
        prep,
        state,
        group,
        deadline=local_deadline,
        cap=cap,
        require_all=True,
        stages=("fill", "local"),
    )
    if result is not None and len(result.choices) == len(group):
        for q, choice in result.choices.items():
            state.commit(prep.panels[q], choice)
        return True
    for q, old in saved.items():
        if old is not None:
            state.commit(prep.panels[q], old)
    return False


def load_lower_bound(prep: Prepared) -> int:
    """A cheap lower bound on the largest final load: seats (all, per sector, senior) over their experts."""
    loads = [e.load for e in prep.experts]
    lb = max(loads, default=0)
    groups: dict[frozenset[str], list[PanelData]] = defaultdict(list)
    pool_sets = {frozenset(pd.panel.pools) for pd in prep.panels}
    for pools in pool_sets:
        groups[pools] = [pd for pd in prep.panels if set(pd.panel.pools) <= pools and pd.starts]
    for pools, pds in groups.items():
        experts = [i for pool in pools for i in prep.by_pool.get(pool, ())]
        lb = max(lb, _fit(prep, experts, sum(pd.size for pd in pds), lb))
        lb = max(
            lb, _fit(prep, [i for i in experts if prep.senior[i]], sum(pd.panel.min_senior for pd in pds), lb)
        )
        demand: dict[str, int] = defaultdict(int)
        for pd in pds:
            for k, n in pd.seats:
                demand[k] += n
        for k, n in demand.items():
            lb = max(lb, _fit(prep, [i for i in experts if k in prep.sectors[i]], n, lb))
    return lb


def _fit(prep: Prepared, experts: list[int], demand: int, lb: int) -> int:
    """The least cap L >= lb under which ``experts`` can take ``demand`` more panels (lb if never)."""
    if demand <= 0 or not experts:
        return lb
    loads = [prep.experts[i].load for i in experts]
    caps = [prep.max_load[i] for i in experts]
    room_at = lambda cap: sum(max(0, min(cap, m) - x) for x, m in zip(loads, caps, strict=True))  # noqa: E731
    if room_at(max(caps)) < demand:
        return lb
    lo, hi = lb, max(lb, max(loads) + demand)
    while lo < hi:
        mid = (lo + hi) // 2
        if room_at(mid) >= demand:
            hi = mid
        else:
            lo = mid + 1
    return lo


# --- the CP-SAT model of a group of panels ------------------------------------------------


@dataclass
class SubsetResult:
    choices: dict[int, Choice]
    proven: bool


def kept_starts(prep: Prepared, pd: PanelData, masks: dict[int, int]) -> list[int]:
    """Indices of the earliest start of each run of starts with identical availability.

    A later start of such a run frees nobody more, so given "earlier first" it only matters
    when the run spans a block boundary (then both blocks keep their first start, for
    panels that must not meet at the same time).
    """
    starts = pd.starts
    if not starts:
        return []
    change = 0
    for a in masks.values():
        change |= a ^ (a >> 1)
    slot = prep.instance.calendar.slot_minutes
    kept = [0]
    for k in range(1, len(starts)):
        if starts[k] - starts[k - 1] != slot or (change >> (k - 1)) & 1:
            kept.append(k)
    return kept


def solve_subset(
    prep: Prepared,
    state: State,
    group: list[int],
    *,
    deadline: float,
    cap: int | None = None,
    require_all: bool = False,
    stages: Iterable[str] = STAGES,
    hint: State | None = None,
) -> SubsetResult | None:
    """Draw the panels of ``group`` in one CP-SAT model, the state's other panels staying as they are."""
    # --- data
    limit_same = prep.instance.rules.max_same_employer
    base = state.load
    top = cap if cap is not None else 1 << 30
    pds = [prep.panels[p] for p in group]
    cands: dict[int, dict[int, list[int]]] = {}  # panel -> expert -> kept start indices free
    kept: dict[int, list[int]] = {}
    for pd in pds:
        masks = {}
        for e in pd.eligible:
            if base[e] < min(top, prep.max_load[e]):
                masks[e] = prep.available_mask(pd, e, state.taken[e])
        kept[pd.index] = ks = kept_starts(prep, pd, masks)
        cands[pd.index] = {e: [i for i, k in enumerate(ks) if (m >> k) & 1] for e, m in masks.items()}
        cands[pd.index] = {e: v for e, v in cands[pd.index].items() if v}
    experts = sorted({e for c in cands.values() for e in c})
    t_min = min((pd.starts[0] for pd in pds if pd.starts), default=0)
    slot = prep.instance.calendar.slot_minutes

    model = cp_model.CpModel()
    # --- variables
    # f[p]: panel p is filled
    f = {pd.index: model.new_bool_var(f"f{pd.index}") for pd in pds}
    # y[p, i]: panel p meets at its i-th kept start
    y = {
        (pd.index, i): model.new_bool_var(f"y{pd.index}_{i}")
        for pd in pds
        for i in range(len(kept[pd.index]))
    }
    # x[e, p]: expert e sits on panel p
    x = {(e, p): model.new_bool_var(f"x{e}_{p}") for p, c in cands.items() for e in c}
    # s[e, p, k]: expert e fills a seat of sector k on panel p
    s = {
        (e, pd.index, k): model.new_bool_var(f"s{e}_{pd.index}_{k}")
        for pd in pds
        for e in cands[pd.index]
        for k, _ in pd.seats
        if k in prep.sectors[e]
    }

    # --- rules
    def rule_time(pd: PanelData) -> None:
        # 7. a filled panel meets at exactly one of its candidate starts
        model.add(sum(y[pd.index, i] for i in range(len(kept[pd.index]))) == f[pd.index])

    def rule_size(pd: PanelData) -> None:
        # 2. exactly `size` members
        model.add(sum(x[e, pd.index] for e in cands[pd.index]) == pd.size * f[pd.index])

    def rule_seats(pd: PanelData) -> None:
        # 3. each seat sector gets its count of members with that sector; one seat per member
        for k, n in pd.seats:
            model.add(sum(v for (e, p, kk), v in s.items() if p == pd.index and kk == k) == n * f[pd.index])
        for e in cands[pd.index]:
            mine = [s[e, pd.index, k] for k, _ in pd.seats if (e, pd.index, k) in s]
            if mine:
                model.add(sum(mine) <= x[e, pd.index])

    def rule_seniority(pd: PanelData) -> None:
        # 4. at least `min_senior` senior members
        if pd.panel.min_senior:
            seniors = [x[e, pd.index] for e in cands[pd.index] if prep.senior[e]]
            model.add(sum(seniors) >= pd.panel.min_senior * f[pd.index])

    def rule_employers(pd: PanelData) -> None:
        # 5. at most `max_same_employer` members share an employer
        by_employer: dict[str, list[int]] = defaultdict(list)
        for e in cands[pd.index]:
            by_employer[prep.employer[e]].append(e)
        for group_ in by_employer.values():
            if len(group_) > limit_same:
                model.add(sum(x[e, pd.index] for e in group_) <= limit_same)

    def rule_fixed(pd: PanelData) -> None:
        # 6. the fixed experts are members of a filled panel (or it stays unfilled)
        for e in pd.fixed:
            if e in cands[pd.index]:
                model.add(x[e, pd.index] == f[pd.index])
            else:
                model.add(f[pd.index] == 0)

    def rule_availability(pd: PanelData) -> None:
        # 8a. a member is free (busy times, other panels kept as they are) at the chosen start
        for e, free in cands[pd.index].items():
            if len(free) < len(kept[pd.index]):
                model.add(sum(y[pd.index, i] for i in free) >= x[e, pd.index])

    def rule_no_double_booking() -> None:
        # 8b. nobody sits on two panels of the group whose meetings overlap
        for a in range(len(pds)):
            for b in range(a + 1, len(pds)):
                pa, pb = pds[a], pds[b]
                shared = [e for e in cands[pa.index] if e in cands[pb.index]]
                if not shared:
                    continue
                sa, sb = kept[pa.index], kept[pb.index]
                clash = []
                for i, ka in enumerate(sa):
                    t0 = pa.starts[ka]
                    hits = [
                        j
                        for j, kb in enumerate(sb)
                        if pb.starts[kb] < t0 + pa.duration and t0 < pb.starts[kb] + pb.duration
                    ]
                    if hits:
                        clash.append((i, hits))
                if not clash:
                    continue
                # w: the two meetings overlap
                w = model.new_bool_var(f"w{pa.index}_{pb.index}")
                for i, hits in clash:
                    model.add(y[pa.index, i] + sum(y[pb.index, j] for j in hits) <= 1 + w)
                for e in shared:
                    model.add(x[e, pa.index] + x[e, pb.index] + w <= 2)

    def rule_load() -> dict[int, cp_model.LinearExprT]:
        # 9. load plus new panels stays within max_load (and within the cap when given)
        final: dict[int, cp_model.LinearExprT] = {}
        for e in experts:
            final[e] = base[e] + sum(x[e, p] for p in cands if e in cands[p])
            model.add(final[e] <= min(top, prep.max_load[e]))
        return final

    def bound_local(pd: PanelData) -> None:
        # redundant: at a start, members from the first pool are at most the free local experts
        # less the seats and seniors they cannot cover (tightens the LP of the "local" stage)
        for i in range(len(kept[pd.index])):
            local = [e for e, free in cands[pd.index].items() if pd.rank[e] == 0 and i in free]
            short = sum(max(0, n - sum(1 for e in local if kk in prep.sectors[e])) for kk, n in pd.seats)
            short_senior = max(0, pd.panel.min_senior - sum(1 for e in local if prep.senior[e]))
            ub = max(0, min(len(local), pd.size - max(short, short_senior)))
            if ub < pd.size:
                model.add(sum(x[e, pd.index] for e in local) <= ub).only_enforce_if(y[pd.index, i])
        rank0 = [x[e, pd.index] for e in cands[pd.index] if pd.rank[e] == 0]
        model.add(sum(rank0) <= pd.size)

    for pd in pds:
        bound_local(pd)
        rule_time(pd)
        rule_size(pd)
        rule_seats(pd)
        rule_seniority(pd)
        rule_employers(pd)
        rule_fixed(pd)
        rule_availability(pd)
        if require_all:
            model.add(f[pd.index] == 1)
    rule_no_double_booking()
    final = rule_load()

    # --- objectives, in the contract's order
    outside = max((base[e] for e in range(len(base)) if e not in final), default=0)
    max_load = model.new_int_var(0, max([*base, 0]) + len(pds), "max_load")
    for e in experts:
        model.add(max_load >= final[e])
    model.add(max_load >= outside)
    # Redundant but decisive for CP-SAT: the experts' loads add up to at most n * max_load.
    if experts:
        model.add(len(experts) * max_load >= sum(final.values()))
    n_pools = max((len(pd.panel.pools) for pd in pds), default=1)
    local = [sum(v for (e, p), v in x.items() if prep.panels[p].rank[e] == r) for r in range(n_pools - 1)]
    early = sum(
        ((pd.starts[k] - t_min) // slot) * y[pd.index, i] for pd in pds for i, k in enumerate(kept[pd.index])
    )
    objectives: list[tuple[str, cp_model.LinearExprT, bool]] = [
        ("fill", sum(f.values()), True),
        ("load", max_load, False),
        *(("local", expr, True) for expr in local),
        ("early", early, False),
    ]

    # --- solve, stage by stage
    wanted = set(stages)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = WORKERS
    if hint is not None:
        _hint(model, hint, f, y, x, s, kept, prep)
    solution: dict[int, Choice] | None = None
    proven = True
    for name, expr, maximise in objectives:
        if name not in wanted:
            continue
        remaining = deadline - time.perf_counter()
        if remaining <= 0.01:
            proven = False
            break
        solver.parameters.max_time_in_seconds = remaining
        if maximise:
            model.maximize(expr)
        else:
            model.minimize(expr)
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if status == cp_model.INFEASIBLE:
                return None
            proven = False
            break
        value = round(solver.objective_value)
        solution = _read(solver, pds, f, y, x, s, kept, cands)
        if status == cp_model.OPTIMAL:
            model.add(expr == value)
        else:
            proven = False
            model.add(expr >= value if maximise else expr <= value)
        model.clear_hints()
        for v in (*f.values(), *y.values(), *x.values(), *s.values()):
            model.add_hint(v, solver.boolean_value(v))
    if solution is None:
        return None
    return SubsetResult(solution, proven and wanted >= set(STAGES))


def _read(solver, pds, f, y, x, s, kept, cands) -> dict[int, Choice]:
    out = {}
    for pd in pds:
        p = pd.index
        if not solver.boolean_value(f[p]):
            continue
        i = next(i for i in range(len(kept[p])) if solver.boolean_value(y[p, i]))
        members = [e for e in cands[p] if solver.boolean_value(x[e, p])]
        seats = {
            k: [e for e in members if (e, p, k) in s and solver.boolean_value(s[e, p, k])]
            for k, _ in pd.seats
        }
        out[p] = Choice(pd.starts[kept[p][i]], members, seats)
    return out


def _hint(model, hint: State, f, y, x, s, kept, prep: Prepared) -> None:
    """Warm start from a greedy solution (its start rounded down to the kept start of its run)."""
    for p, v in f.items():
        choice = hint.choice.get(p)
        model.add_hint(v, choice is not None)
        if choice is None:
            continue
        pd = prep.panels[p]
        k = pd.starts.index(choice.start)
        ks = kept[p]
        i = max(j for j, kk in enumerate(ks) if kk <= k)
        for j in range(len(ks)):
            model.add_hint(y[p, j], j == i)
        members = set(choice.members)
        for (e, q), var in x.items():
            if q == p:
                model.add_hint(var, e in members)
        seat_of = {(e, k) for k, es in choice.seats.items() for e in es}
        for (e, q, k), var in s.items():
            if q == p:
                model.add_hint(var, (e, k) in seat_of)
