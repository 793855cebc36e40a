"""The pricing step (the heaviest member set of F) against CP-SAT on random small panels."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from solver.pricing import Family


def cp_sat_best(fam: Family, weights: list[int]) -> int | None:
    """The same question as one CP-SAT model, written from the family's fields."""
    model = cp_model.CpModel()
    n = fam.n
    x = [model.new_bool_var(f"x{i}") for i in range(n)]
    model.add(sum(x) == fam.size)
    for f in fam.fixed:
        model.add(x[f] == 1)
    if fam.quotas is not None:
        for r, q in enumerate(fam.quotas):
            model.add(sum(x[i] for i in range(n) if fam.rank[i] == r) == q)
        for i in range(n):
            if fam.rank[i] >= len(fam.quotas):
                model.add(x[i] == 0)
    seat = {
        (i, k): model.new_bool_var(f"s{i}_{k}")
        for i in range(n)
        for k in range(len(fam.seat_counts))
        if fam.sigma[i] >> k & 1
    }
    for k, need in enumerate(fam.seat_counts):
        model.add(sum(v for (i, kk), v in seat.items() if kk == k) == need)
    for i in range(n):
        model.add(sum(v for (ii, _), v in seat.items() if ii == i) <= x[i])
    model.add(sum(x[i] for i in range(n) if fam.senior[i]) >= fam.min_senior)
    for e in set(fam.employer):
        model.add(sum(x[i] for i in range(n) if fam.employer[i] == e) <= fam.cap)
    y = [model.new_bool_var(f"y{t}") for t in range(len(fam.patterns))]
    model.add(sum(y) == 1)
    for i in range(n):
        model.add(sum(y[t] for t, p in enumerate(fam.patterns) if p >> i & 1) >= x[i])
    model.maximize(sum(w * v for w, v in zip(weights, x, strict=True)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        return None
    assert status == cp_model.OPTIMAL
    return round(solver.objective_value)


@st.composite
def families(draw: Any) -> tuple[Family, list[int]]:
    n = draw(st.integers(2, 11))
    size = draw(st.integers(1, min(n, 5)))
    n_seats = draw(st.integers(0, 2))
    seat_counts = tuple(draw(st.integers(0, 2)) for _ in range(n_seats))
    ranks = draw(st.integers(1, 2))
    quotas = None
    if draw(st.booleans()):
        first = draw(st.integers(0, size))
        quotas = (first, size - first) if ranks == 2 else (size,)
    fixed = draw(st.lists(st.integers(0, n - 1), max_size=2, unique=True))
    patterns = draw(st.lists(st.integers(1, 2**n - 1), min_size=1, max_size=3))
    fam = Family(
        size=size,
        seat_counts=seat_counts,
        min_senior=draw(st.integers(0, 2)),
        cap=draw(st.integers(1, 2)),
        rank=[draw(st.integers(0, ranks - 1)) for _ in range(n)],
        sigma=[draw(st.integers(0, 2**n_seats - 1)) for _ in range(n)],
        senior=[draw(st.booleans()) for _ in range(n)],
        employer=[draw(st.integers(0, 3)) for _ in range(n)],
        fixed=fixed[:size],
        patterns=patterns,
        quotas=quotas,
    )
    weights = [draw(st.sampled_from([0, 0, 1, 2, 3, 5, 8])) for _ in range(n)]
    return fam, weights


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(families(), st.booleans())
def test_best_set_matches_cp_sat(case: tuple[Family, list[int]], relaxation: bool) -> None:
    fam, weights = case
    expected = cp_sat_best(fam, weights)
    got = fam.best([float(w) for w in weights], threshold=-1.0, relaxation=relaxation)
    if expected is None:
        assert got is None
        return
    assert got is not None
    value, members = got
    assert fam.is_member_set(members)
    assert round(value) == expected == sum(weights[i] for i in members)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(families())
def test_threshold_only_returns_heavier_sets(case: tuple[Family, list[int]]) -> None:
    fam, weights = case
    expected = cp_sat_best(fam, weights)
    if expected is None:
        return
    assert fam.best([float(w) for w in weights], threshold=expected + 0.5, relaxation=False) is None
    got = fam.best([float(w) for w in weights], threshold=expected - 0.5, relaxation=False)
    assert got is not None and round(got[0]) == expected
